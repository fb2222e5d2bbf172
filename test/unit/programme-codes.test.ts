import type { ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Terminology, isA, normalise, sameCode } from '../../src/programmes/codes.js';
import { fixtureResources } from '../fixtures/programmes/load.js';

const ICD = 'http://hl7.org/fhir/sid/icd-10';
const SKS = 'urn:oid:1.2.208.176.2.4.12';
const ICPC = 'urn:oid:1.2.208.176.2.31';
const SNOMED = 'http://snomed.info/sct';
const F = 'https://forlob.dk/fhir/ValueSet';

const valueSets = [...fixtureResources('fixture-diabetes'), ...fixtureResources('fixture-copd')].filter((r): r is ValueSet => r.resourceType === 'ValueSet');
const terminology = new Terminology(valueSets);
const n = (system: string | undefined, code: string) => normalise(system, code)!;
const member = (url: string, system: string | undefined, code: string) => terminology.memberOf(`${F}/${url}`, { system, code });

describe('normalise', () => {
  it('puts SKS and WHO ICD-10 in one family: upper case, no dots, no SKS D prefix', () => {
    expect(n(SKS, 'DE119')).toEqual({ family: 'icd-10', code: 'E119', hierarchical: true });
    expect(n(ICD, 'E11.9')).toEqual({ family: 'icd-10', code: 'E119', hierarchical: true });
    expect(n(ICD, 'e11.9')).toEqual(n(ICD, 'E11.9'));
    expect(sameCode(n(SKS, 'DE119'), n(ICD, 'E11.9'))).toBe(true);
  });

  it('strips the D only from SKS: WHO D50 (anaemia) is SKS DD50, not WHO 50', () => {
    expect(n(ICD, 'D50.0').code).toBe('D500');
    expect(sameCode(n(SKS, 'DD500'), n(ICD, 'D50.0'))).toBe(true);
    expect(sameCode(n(ICD, 'D50.0'), n(ICD, '50.0'))).toBe(false);
  });

  it('keeps ICPC-2 apart from ICD-10 and non-diagnosis SKS codes apart from ICD-10', () => {
    expect(n(ICPC, 't90')).toEqual({ family: 'icpc-2', code: 'T90', hierarchical: true });
    expect(sameCode(n(ICPC, 'T90'), n(ICD, 'T90'))).toBe(false);
    expect(n(SKS, 'KFNG05').family).toBe('sks');
  });

  it('compares other systems exactly', () => {
    expect(n(SNOMED, '44054006')).toEqual({ family: SNOMED, code: '44054006', hierarchical: false });
    expect(isA(n(SNOMED, '440540061'), n(SNOMED, '44054006'))).toBe(false);
  });

  it('gives nothing for a missing code', () => {
    expect(normalise(ICD, undefined)).toBeUndefined();
    expect(normalise(ICD, '')).toBeUndefined();
  });
});

describe('is-a is a prefix match within a family', () => {
  it.each([
    [SKS, 'DE119', true],
    [ICD, 'E11.9', true],
    [ICD, 'E11', true],
    [SKS, 'DE11', true],
    [SKS, 'DE109', false],
    [ICD, 'E10.9', false],
    [ICD, 'E1', false],
    [ICPC, 'T90', false],
  ])('%s %s is-a E11: %s', (system, code, expected) => {
    expect(isA(n(system, code), n(ICD, 'E11'))).toBe(expected);
  });
});

describe('Terminology.memberOf over the fixture value sets', () => {
  it.each([
    [SKS, 'DE119'],
    [ICD, 'E11.9'],
    [ICD, 'E11'],
    [ICD, 'E11.65'],
    [ICPC, 'T90'],
  ])('diabetes inclusion contains %s %s', (system, code) => {
    expect(member('fixture-diabetes-inclusion', system, code)).toBe(true);
  });

  it.each([
    [SKS, 'DE109'],
    [ICD, 'E10.9'],
    [ICPC, 'T89'],
    [ICD, 'O24.4'],
    [ICD, 'J44.1'],
    [SNOMED, '44054006'],
  ])('diabetes inclusion does not contain %s %s', (system, code) => {
    expect(member('fixture-diabetes-inclusion', system, code)).toBe(false);
  });

  it.each([
    [SKS, 'DE109', true],
    [ICD, 'O24.4', true],
    [SKS, 'DO244', true],
    [ICPC, 'T89', true],
    [SKS, 'DE119', false],
    [ICPC, 'T90', false],
  ])('diabetes exclusion: %s %s → %s', (system, code, expected) => {
    expect(member('fixture-diabetes-exclusion', system, code)).toBe(expected);
  });

  it.each([
    [ICD, 'J44.1', true],
    [SKS, 'DJ441', true],
    [ICD, 'J43.9', true],
    [ICPC, 'R95', true],
    [ICD, 'J45', false],
    [ICPC, 'R96', false],
  ])('COPD inclusion: %s %s → %s', (system, code, expected) => {
    expect(member('fixture-copd-inclusion', system, code)).toBe(expected);
  });

  it('accepts a CodeableConcept (member when any coding is) and a bare code', () => {
    const url = `${F}/fixture-diabetes-inclusion`;
    expect(terminology.memberOf(url, { coding: [{ system: SNOMED, code: '44054006' }, { system: SKS, code: 'DE119' }] })).toBe(true);
    expect(terminology.memberOf(url, { coding: [{ system: SNOMED, code: '44054006' }] })).toBe(false);
    expect(terminology.memberOf(url, { text: 'diabetes' })).toBe(false);
    expect(terminology.memberOf(url, 'DE119')).toBe(true);
    expect(terminology.memberOf(url, 'J44.1')).toBe(false);
  });

  it('matches SKS codes against a WHO-only value set: they are one classification', () => {
    const whoOnly: ValueSet = {
      resourceType: 'ValueSet',
      url: `${F}/who-only`,
      status: 'active',
      compose: { include: [{ system: ICD, filter: [{ property: 'concept', op: 'is-a', value: 'E11' }] }] },
    };
    expect(new Terminology([whoOnly]).memberOf(whoOnly.url!, { system: SKS, code: 'DE119' })).toBe(true);
  });
});

describe('compose rules', () => {
  const vs = (compose: ValueSet['compose'], url = `${F}/t`): ValueSet => ({ resourceType: 'ValueSet', url, status: 'active', compose });

  it('explicit concepts match exactly (after normalisation), not their descendants', () => {
    const t = new Terminology([vs({ include: [{ system: ICD, concept: [{ code: 'E11.9' }] }] })]);
    expect(t.memberOf(`${F}/t`, { system: SKS, code: 'DE119' })).toBe(true);
    expect(t.memberOf(`${F}/t`, { system: ICD, code: 'E11' })).toBe(false);
    expect(t.memberOf(`${F}/t`, { system: ICD, code: 'E11.91' })).toBe(false);
  });

  it('exclude removes codes from the includes (is-a and concepts)', () => {
    const t = new Terminology([
      vs({
        include: [{ system: ICD, filter: [{ property: 'concept', op: 'is-a', value: 'E11' }] }],
        exclude: [{ system: SKS, filter: [{ property: 'concept', op: 'is-a', value: 'DE116' }] }, { system: ICD, concept: [{ code: 'E11.0' }] }],
      }),
    ]);
    expect(t.memberOf(`${F}/t`, { system: ICD, code: 'E11.9' })).toBe(true);
    expect(t.memberOf(`${F}/t`, { system: ICD, code: 'E11.65' })).toBe(false);
    expect(t.memberOf(`${F}/t`, { system: SKS, code: 'DE110' })).toBe(false);
    expect(t.memberOf(`${F}/t`, { system: ICD, code: 'E11.01' })).toBe(true);
  });

  it('descendent-of excludes the code itself; a system-only include takes the whole family', () => {
    const t = new Terminology([
      vs({ include: [{ system: ICD, filter: [{ property: 'concept', op: 'descendent-of', value: 'I20' }] }] }, `${F}/d`),
      vs({ include: [{ system: ICPC }] }, `${F}/all`),
    ]);
    expect(t.memberOf(`${F}/d`, { system: ICD, code: 'I20.0' })).toBe(true);
    expect(t.memberOf(`${F}/d`, { system: ICD, code: 'I20' })).toBe(false);
    expect(t.memberOf(`${F}/all`, { system: ICPC, code: 'K74' })).toBe(true);
    expect(t.memberOf(`${F}/all`, { system: ICD, code: 'K74' })).toBe(false);
  });

  it('imports other value sets (include.valueSet)', () => {
    const t = new Terminology([...valueSets, vs({ include: [{ valueSet: [`${F}/fixture-copd-inclusion`] }, { valueSet: [`${F}/fixture-diabetes-inclusion`] }] }, `${F}/both`)]);
    expect(t.memberOf(`${F}/both`, { system: ICD, code: 'J44.1' })).toBe(true);
    expect(t.memberOf(`${F}/both`, { system: ICPC, code: 'T90' })).toBe(true);
    expect(t.memberOf(`${F}/both`, { system: ICPC, code: 'P76' })).toBe(false);
  });

  it('says which value sets it cannot use: unknown, unsupported filter op, self-import', () => {
    const t = new Terminology([
      vs({ include: [{ system: ICD, filter: [{ property: 'concept', op: 'regex', value: 'E1.*' }] }] }, `${F}/regex`),
      vs({ include: [{ valueSet: [`${F}/loop`] }] }, `${F}/loop`),
    ]);
    expect(t.usable(`${F}/nowhere`)).toBe(false);
    expect(t.usable(`${F}/regex`)).toBe(false);
    expect(t.usable(`${F}/loop`)).toBe(false);
    expect(new Terminology(valueSets).usable(`${F}/fixture-diabetes-inclusion|1.0.0`)).toBe(true);
  });
});
