import type { ElementDefinition, OperationOutcome, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { Validator, hasErrors } from '../../src/validation/index.js';
import { chainResolvers, resolveR4Definition } from '../../src/validation/snapshot-bases.js';
import { generateSnapshot, type SnapshotResolver } from '../../src/validation/snapshot.js';

const HL7 = 'http://hl7.org/fhir/StructureDefinition/';
const TEST = 'https://forlob.example/fhir/StructureDefinition/';

/** A constraint profile on an R4 type with the given differential elements (path derived from id). */
function profile(type: string, elements: Partial<ElementDefinition>[], extra: Partial<StructureDefinition> = {}): StructureDefinition {
  const id = extra.id ?? `test-${type.toLowerCase()}`;
  return {
    resourceType: 'StructureDefinition',
    id,
    url: `${TEST}${id}`,
    name: 'Test',
    status: 'active',
    kind: 'resource',
    abstract: false,
    type,
    baseDefinition: HL7 + type,
    derivation: 'constraint',
    differential: {
      element: elements.map((e) => ({
        ...e,
        id: e.id,
        path: e.path ?? e.id!.split('.').map((s) => s.split(':')[0]).join('.'),
      })) as ElementDefinition[],
    },
    ...extra,
  };
}

function generate(sd: StructureDefinition, resolve: SnapshotResolver = resolveR4Definition): ElementDefinition[] {
  return generateSnapshot(sd, resolve).snapshot!.element!;
}

function byId(elements: ElementDefinition[], id: string): ElementDefinition {
  const el = elements.find((e) => e.id === id);
  if (!el) throw new Error(`no element ${id} in ${elements.map((e) => e.id).join(', ')}`);
  return el;
}

/** The 422 outcome the generator throws for `sd`. */
function problems(sd: StructureDefinition, resolve: SnapshotResolver = resolveR4Definition): OperationOutcome {
  try {
    generateSnapshot(sd, resolve);
  } catch (err) {
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).status).toBe(422);
    return (err as FhirError).outcome;
  }
  throw new Error('expected the generator to refuse the differential');
}

function diagnostics(oo: OperationOutcome): string {
  return (oo.issue ?? []).map((i) => i.diagnostics).join('\n');
}

describe('snapshot: cardinality', () => {
  it('narrows min and max and keeps the base in `base`', () => {
    const elements = generate(profile('Patient', [{ id: 'Patient.birthDate', min: 1 }, { id: 'Patient.name', max: '1' }]));
    expect(byId(elements, 'Patient.birthDate')).toMatchObject({ min: 1, max: '1', base: { path: 'Patient.birthDate', min: 0, max: '1' } });
    expect(byId(elements, 'Patient.name')).toMatchObject({ min: 0, max: '1' });
    // the rest of the base is there, in the base's order
    const base = resolveR4Definition(`${HL7}Patient`)!.snapshot!.element!.map((e) => e.id);
    expect(elements.map((e) => e.id)).toEqual(base);
  });

  it('refuses to widen the maximum or lower the minimum', () => {
    const oo = problems(profile('Observation', [{ id: 'Observation.status', min: 0 }, { id: 'Patient.gender' }, { id: 'Observation.subject', max: '*' }]));
    expect(oo.issue).toHaveLength(3);
    expect(oo.issue![0]).toMatchObject({ expression: ['StructureDefinition.differential.element[0]'] });
    expect(oo.issue![0].diagnostics).toMatch(/Observation\.status: min 0 is below the base minimum 1/);
    expect(oo.issue![1].diagnostics).toMatch(/paths must start with Observation/);
    expect(oo.issue![2].diagnostics).toMatch(/Observation\.subject: max \* is above the base maximum 1/);
  });

  it('refuses min above max and malformed max', () => {
    expect(diagnostics(problems(profile('Patient', [{ id: 'Patient.name', min: 2, max: '1' }])))).toMatch(/min 2 is greater than max 1/);
    expect(diagnostics(problems(profile('Patient', [{ id: 'Patient.name', max: 'many' }])))).toMatch(/neither a number nor "\*"/);
  });
});

describe('snapshot: fixed and pattern values', () => {
  it('sets fixed and pattern values of the element type', () => {
    const coding = { coding: [{ system: 'http://loinc.org', code: '8867-4' }] };
    const elements = generate(
      profile('Observation', [
        { id: 'Observation.status', fixedCode: 'final' },
        { id: 'Observation.code', patternCodeableConcept: coding },
      ]),
    );
    expect(byId(elements, 'Observation.status').fixedCode).toBe('final');
    expect(byId(elements, 'Observation.code').patternCodeableConcept).toEqual(coding);
  });

  it('a fixed value of one type chooses that type of a choice element', () => {
    const el = byId(generate(profile('Observation', [{ id: 'Observation.value[x]', fixedString: 'x' }])), 'Observation.value[x]');
    expect(el.type).toEqual([{ code: 'string' }]);
  });

  it('refuses a value of another type, and values that contradict the base', () => {
    expect(diagnostics(problems(profile('Observation', [{ id: 'Observation.status', fixedString: 'final' }])))).toMatch(
      /fixedString does not match the element's type code/,
    );
    const base = profile('Observation', [{ id: 'Observation.status', fixedCode: 'final' }], { id: 'base-obs' });
    const derived = profile('Observation', [{ id: 'Observation.status', fixedCode: 'amended' }], { baseDefinition: base.url, id: 'derived' });
    const resolve = chainResolvers((url) => (url === base.url ? base : undefined), resolveR4Definition);
    expect(diagnostics(problems(derived, resolve))).toMatch(/fixedCode contradicts the base's fixedCode/);
  });

  it('a derived pattern must include the base pattern', () => {
    const system = 'http://loinc.org';
    const base = profile('Observation', [{ id: 'Observation.code', patternCodeableConcept: { coding: [{ system }] } }], { id: 'base-obs' });
    const resolve = chainResolvers((url) => (url === base.url ? base : undefined), resolveR4Definition);
    const narrower = profile('Observation', [{ id: 'Observation.code', patternCodeableConcept: { coding: [{ system, code: '1-8' }] } }], {
      baseDefinition: base.url,
      id: 'narrower',
    });
    expect(byId(generate(narrower, resolve), 'Observation.code').patternCodeableConcept).toEqual({ coding: [{ system, code: '1-8' }] });
    const other = profile('Observation', [{ id: 'Observation.code', patternCodeableConcept: { coding: [{ system: 'urn:x', code: '1' }] } }], {
      baseDefinition: base.url,
      id: 'other',
    });
    expect(diagnostics(problems(other, resolve))).toMatch(/patternCodeableConcept contradicts the base's patternCodeableConcept/);
  });
});

describe('snapshot: types', () => {
  it('restricts a choice to some of its types', () => {
    const el = byId(generate(profile('Observation', [{ id: 'Observation.value[x]', type: [{ code: 'Quantity' }, { code: 'string' }] }])), 'Observation.value[x]');
    expect(el.type).toEqual([{ code: 'Quantity' }, { code: 'string' }]);
  });

  it('narrows Reference targets, also to a profile of an allowed target', () => {
    const patientProfile = profile('Patient', [{ id: 'Patient.birthDate', min: 1 }], { id: 'my-patient' });
    const resolve = chainResolvers((url) => (url === patientProfile.url ? patientProfile : undefined), resolveR4Definition);
    const elements = generate(
      profile('CarePlan', [
        { id: 'CarePlan.subject', type: [{ code: 'Reference', targetProfile: [`${HL7}Patient`] }] },
        { id: 'CarePlan.author', type: [{ code: 'Reference', targetProfile: [patientProfile.url!] }] },
      ]),
      resolve,
    );
    expect(byId(elements, 'CarePlan.subject').type).toEqual([{ code: 'Reference', targetProfile: [`${HL7}Patient`] }]);
    expect(byId(elements, 'CarePlan.author').type).toEqual([{ code: 'Reference', targetProfile: [patientProfile.url] }]);
  });

  it('refuses types and targets the base does not allow', () => {
    const oo = problems(
      profile('CarePlan', [
        { id: 'CarePlan.subject', type: [{ code: 'Reference', targetProfile: [`${HL7}Practitioner`] }] },
        { id: 'CarePlan.created', type: [{ code: 'date' }] },
        { id: 'CarePlan.author', type: [{ code: 'Reference', targetProfile: ['https://nowhere.example/StructureDefinition/x'] }] },
      ]),
    );
    const text = diagnostics(oo);
    expect(text).toMatch(/targetProfile http:\/\/hl7\.org\/fhir\/StructureDefinition\/Practitioner is not one of the base's targets/);
    expect(text).toMatch(/type date is not allowed here; the base allows dateTime/);
    expect(text).toMatch(/cannot check targetProfile https:\/\/nowhere\.example\/StructureDefinition\/x/);
  });

  it('a Reference(Any) can be narrowed to any resource', () => {
    const el = byId(generate(profile('Task', [{ id: 'Task.basedOn', type: [{ code: 'Reference', targetProfile: [`${HL7}CarePlan`] }] }])), 'Task.basedOn');
    expect(el.type![0].targetProfile).toEqual([`${HL7}CarePlan`]);
  });
});

describe('snapshot: bindings, invariants, mustSupport', () => {
  it('adds bindings and refuses to weaken them or to bind what cannot be bound', () => {
    const vs = 'https://forlob.example/fhir/ValueSet/x';
    const el = byId(generate(profile('Observation', [{ id: 'Observation.code', binding: { strength: 'required', valueSet: vs } }])), 'Observation.code');
    expect(el.binding).toEqual({ ...resolveR4Definition(`${HL7}Observation`)!.snapshot!.element!.find((e) => e.id === 'Observation.code')!.binding, strength: 'required', valueSet: vs });
    const text = diagnostics(
      problems(
        profile('Patient', [
          { id: 'Patient.gender', binding: { strength: 'preferred', valueSet: vs } },
          { id: 'Patient.birthDate', binding: { strength: 'required', valueSet: vs } },
        ]),
      ),
    );
    expect(text).toMatch(/binding strength preferred is weaker than the base's required/);
    expect(text).toMatch(/an element of type date cannot have a binding/);
  });

  it('adds invariants with the profile as source, and refuses duplicate keys', () => {
    const constraint = { key: 'test-1', severity: 'error' as const, human: 'Has a name', expression: 'name.exists()' };
    const sd = profile('Patient', [{ id: 'Patient', constraint: [constraint] }]);
    const root = generate(sd)[0];
    expect(root.constraint!.map((c) => c.key)).toEqual(expect.arrayContaining(['dom-2', 'test-1']));
    expect(root.constraint!.find((c) => c.key === 'test-1')).toEqual({ ...constraint, source: sd.url });
    expect(diagnostics(problems(profile('Patient', [{ id: 'Patient', constraint: [{ ...constraint, key: 'dom-2' }] }])))).toMatch(
      /constraint key dom-2 is already used/,
    );
  });

  it('sets mustSupport, which a derived profile cannot withdraw', () => {
    const base = profile('Patient', [{ id: 'Patient.name', mustSupport: true }], { id: 'ms-base' });
    expect(byId(generate(base), 'Patient.name').mustSupport).toBe(true);
    const resolve = chainResolvers((url) => (url === base.url ? base : undefined), resolveR4Definition);
    const derived = profile('Patient', [{ id: 'Patient.name', mustSupport: false }], { baseDefinition: base.url, id: 'ms-derived' });
    expect(diagnostics(problems(derived, resolve))).toMatch(/mustSupport cannot be withdrawn/);
  });
});

describe('snapshot: slices', () => {
  const cprSlicing = { discriminator: [{ type: 'pattern' as const, path: 'system' }], rules: 'open' as const };
  const cprProfile = profile('Patient', [
    { id: 'Patient.identifier', slicing: cprSlicing },
    { id: 'Patient.identifier:cpr', sliceName: 'cpr', min: 1, max: '1' },
    { id: 'Patient.identifier:cpr.system', min: 1, patternUri: 'urn:oid:1.2.208.176.1.2' },
    { id: 'Patient.identifier:cpr.value', min: 1 },
  ]);

  it('slices identifier by system: slice ids, paths and the Identifier elements inside the slice', () => {
    const elements = generate(cprProfile);
    const ids = elements.map((e) => e.id);
    const at = ids.indexOf('Patient.identifier');
    expect(ids.slice(at, at + 10)).toEqual([
      'Patient.identifier',
      'Patient.identifier:cpr',
      'Patient.identifier:cpr.id',
      'Patient.identifier:cpr.extension',
      'Patient.identifier:cpr.use',
      'Patient.identifier:cpr.type',
      'Patient.identifier:cpr.system',
      'Patient.identifier:cpr.value',
      'Patient.identifier:cpr.period',
      'Patient.identifier:cpr.assigner',
    ]);
    expect(ids[at + 10]).toBe('Patient.active');
    expect(byId(elements, 'Patient.identifier')).toMatchObject({ slicing: cprSlicing, min: 1 }); // raised by the required slice
    expect(byId(elements, 'Patient.identifier:cpr')).toMatchObject({ path: 'Patient.identifier', sliceName: 'cpr', min: 1, max: '1' });
    expect(byId(elements, 'Patient.identifier:cpr.system')).toMatchObject({
      path: 'Patient.identifier.system',
      min: 1,
      patternUri: 'urn:oid:1.2.208.176.1.2',
      base: { path: 'Identifier.system' },
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('registers with the validator, which then requires the slice', () => {
    const v = new Validator({ r4Profiles: false });
    expect(v.registerProfile(generateSnapshot(cprProfile, resolveR4Definition))).toBe(true);
    const patient = (identifier: unknown[]) => ({ resourceType: 'Patient', meta: { profile: [cprProfile.url] }, identifier }) as Resource;
    expect(hasErrors(v.validate(patient([{ system: 'urn:oid:1.2.208.176.1.2', value: '0101801234' }])))).toBe(false);
    expect(hasErrors(v.validate(patient([{ system: 'urn:other', value: '1' }])))).toBe(true);
    expect(hasErrors(v.validate({ resourceType: 'Patient', meta: { profile: [cprProfile.url] } } as Resource))).toBe(true);
  });

  it('slices extensions by url without being told, fixing url to the extension profile and taking its value type', () => {
    const eoc = `${HL7}workflow-episodeOfCare`;
    const elements = generate(profile('CarePlan', [{ id: 'CarePlan.extension:episode', min: 1, max: '1', type: [{ code: 'Extension', profile: [eoc] }] }]));
    expect(byId(elements, 'CarePlan.extension')).toMatchObject({ min: 1, slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } });
    expect(byId(elements, 'CarePlan.extension:episode')).toMatchObject({ path: 'CarePlan.extension', sliceName: 'episode', min: 1, max: '1' });
    expect(byId(elements, 'CarePlan.extension:episode.url')).toMatchObject({ path: 'CarePlan.extension.url', fixedUri: eoc });
    expect(byId(elements, 'CarePlan.extension:episode.value[x]')).toMatchObject({
      min: 1,
      type: [{ code: 'Reference', targetProfile: [`${HL7}EpisodeOfCare`] }],
    });
    expect(byId(elements, 'CarePlan.extension:episode.extension').max).toBe('0');
  });

  it('slices a backbone element: each slice gets the element children', () => {
    const code = { coding: [{ system: 'urn:x', code: 'a' }] };
    const elements = generate(
      profile('Observation', [
        { id: 'Observation.component', slicing: { discriminator: [{ type: 'pattern', path: 'code' }], rules: 'open' } },
        { id: 'Observation.component:a', sliceName: 'a', max: '1' },
        { id: 'Observation.component:a.code', patternCodeableConcept: code },
        { id: 'Observation.component:a.value[x]', type: [{ code: 'CodeableConcept' }] },
      ]),
    );
    const ids = elements.map((e) => e.id);
    expect(ids.filter((id) => id!.startsWith('Observation.component:a.'))).toEqual(
      ids.filter((id) => id!.startsWith('Observation.component.')).map((id) => id!.replace('Observation.component.', 'Observation.component:a.')),
    );
    expect(byId(elements, 'Observation.component:a.code').patternCodeableConcept).toEqual(code);
    expect(byId(elements, 'Observation.component:a.value[x]').type).toEqual([{ code: 'CodeableConcept' }]);
  });

  it('refuses slices of unsliced elements, unknown slices, re-slicing and slices that cannot fit', () => {
    const text = diagnostics(
      problems(
        profile('Patient', [
          { id: 'Patient.name:official', sliceName: 'official' },
          { id: 'Patient.identifier:x.system', min: 1 },
          { id: 'Patient.identifier', slicing: cprSlicing, max: '1' },
          { id: 'Patient.identifier:a', min: 1 },
          { id: 'Patient.identifier:b', min: 1 },
          { id: 'Patient.identifier:a/b', min: 1 },
        ]),
      ),
    );
    expect(text).toMatch(/Patient\.name is not sliced/);
    expect(text).toMatch(/the slice Patient\.identifier:x is not defined/);
    expect(text).toMatch(/re-slicing .* is not supported/);
    expect(text).toMatch(/the slices need at least 2 values but the element allows at most 1/);
  });
});

describe('snapshot: elements inside data types', () => {
  it('expands a data type when the differential constrains its elements', () => {
    const elements = generate(profile('Patient', [{ id: 'Patient.identifier.system', min: 1 }]));
    const ids = elements.map((e) => e.id);
    const at = ids.indexOf('Patient.identifier');
    expect(ids.slice(at + 1, at + 9)).toEqual(
      ['id', 'extension', 'use', 'type', 'system', 'value', 'period', 'assigner'].map((n) => `Patient.identifier.${n}`),
    );
    expect(byId(elements, 'Patient.identifier.system')).toMatchObject({ path: 'Patient.identifier.system', min: 1, base: { path: 'Identifier.system' } });
  });

  it('expands nested data types (Period inside a backbone element)', () => {
    const elements = generate(profile('CareTeam', [{ id: 'CareTeam.participant.period.start', min: 1 }]));
    expect(byId(elements, 'CareTeam.participant.period.start')).toMatchObject({ min: 1, type: [{ code: 'dateTime' }] });
  });

  it('follows choice renames (valueQuantity) and content references', () => {
    const q = generate(profile('Observation', [{ id: 'Observation.valueQuantity.unit', min: 1 }]));
    expect(byId(q, 'Observation.value[x]').type).toEqual([{ code: 'Quantity' }]);
    expect(byId(q, 'Observation.value[x].unit').min).toBe(1);
    const items = generate(profile('Questionnaire', [{ id: 'Questionnaire.item.item.text', min: 1 }]));
    expect(byId(items, 'Questionnaire.item.item').contentReference).toBeUndefined();
    expect(byId(items, 'Questionnaire.item.item.linkId').min).toBe(1);
    expect(byId(items, 'Questionnaire.item.item.text').min).toBe(1);
  });

  it('refuses elements that do not exist and choices that were not restricted', () => {
    const text = diagnostics(problems(profile('Observation', [{ id: 'Observation.code.foo' }, { id: 'Observation.value[x].unit', min: 1 }])));
    expect(text).toMatch(/Observation\.code\.foo is not an element of Observation\.code/);
    expect(text).toMatch(/Observation\.value\[x\] has 11 types; restrict it to one type/);
  });
});

describe('snapshot: bases and input', () => {
  it('builds on another profile, generating its snapshot first', () => {
    const base = profile('Patient', [{ id: 'Patient.birthDate', min: 1 }], { id: 'base-patient' });
    const resolve = chainResolvers((url) => (url === base.url ? base : undefined), resolveR4Definition);
    const derived = generateSnapshot(profile('Patient', [{ id: 'Patient.name', min: 1 }], { id: 'derived', baseDefinition: base.url }), resolve);
    expect(byId(derived.snapshot!.element!, 'Patient.birthDate').min).toBe(1);
    expect(byId(derived.snapshot!.element!, 'Patient.name').min).toBe(1);
    expect(derived).toMatchObject({ type: 'Patient', derivation: 'constraint', fhirVersion: '4.0.1' });
  });

  it('refuses what it cannot generate', () => {
    expect(diagnostics(problems({ ...profile('Patient', []), differential: undefined }))).toMatch(/a differential with at least one element is needed/);
    expect(diagnostics(problems(profile('Patient', [{ id: 'Patient.name' }], { baseDefinition: `${TEST}unknown` })))).toMatch(/base .* is not known/);
    expect(diagnostics(problems(profile('Patient', [{ id: 'Patient.name' }], { derivation: 'specialization' })))).toMatch(/only constraints/);
    expect(diagnostics(problems(profile('Patient', [{ id: 'Patient.name' }], { type: 'Observation' })))).toMatch(/differs from the base's type Patient/);
    const loop = profile('Patient', [{ id: 'Patient.name' }], { id: 'loop', baseDefinition: `${TEST}loop` });
    expect(diagnostics(problems(loop, (url) => (url === loop.url ? loop : undefined)))).toMatch(/nested too deep \(or circular\)/);
  });

  it('does not change its input', () => {
    const sd = profile('Patient', [{ id: 'Patient.identifier:x', sliceName: 'x' }, { id: 'Patient.identifier', slicing: { rules: 'open' } }]);
    const copy = structuredClone(sd);
    problems(sd);
    expect(sd).toEqual(copy);
  });
});
