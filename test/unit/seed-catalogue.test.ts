import fs from 'node:fs';
import path from 'node:path';
import type { ActivityDefinition, CodeSystem, Condition, Observation, PlanDefinition, PlanDefinitionAction, Resource, ValueSet } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalogue, PROGRAMMES } from '../../seed/catalogue/index.js';
import { FRAIL_PARAMETER_SYSTEM } from '../../seed/catalogue/names.js';
import { SEED_DOCUMENTS } from '../../seed/catalogue/sources.js';
import { Terminology } from '../../src/programmes/codes.js';
import { evaluateEligibility, type PatientData } from '../../src/programmes/eligibility.js';
import { memberOfUrls } from '../../src/programmes/expressions.js';
import { compileProgramme } from '../../src/programmes/programme-compile.js';
import { CS, SYSTEM } from '../../src/programmes/model.js';
import { compileStrata, selectStratum } from '../../src/programmes/strata.js';
import { hasErrors, Validator } from '../../src/validation/validator.js';
import { learnProjectProfiles } from './seed-support.js';

/**
 * The programme catalogue (seed/catalogue): every resource valid, the contract's structure
 * (docs/PROGRAMME-MODEL.md), and the eligibility and strata content evaluated by the project's own
 * eligibility module with real codes in every code system.
 */

const catalogue = buildCatalogue();
const of = <T extends Resource>(type: T['resourceType']) => catalogue.filter((r): r is T => r.resourceType === type);
const plans = of<PlanDefinition>('PlanDefinition');
const valueSets = of<ValueSet>('ValueSet');
const activities = of<ActivityDefinition>('ActivityDefinition');
const terminology = new Terminology(valueSets);
const plan = (id: string) => plans.find((p) => p.id === id)!;
const top = (p: PlanDefinition, id: string) => p.action!.find((a) => a.id === id)!;

let n = 0;
const condition = (system: string, code: string): Condition => ({
  resourceType: 'Condition',
  id: `c${++n}`,
  subject: { reference: 'Patient/p' },
  code: { coding: [{ system, code }] },
});
const parameter = (code: string, value = true): Observation => ({
  resourceType: 'Observation',
  id: `o${++n}`,
  status: 'final',
  code: { coding: [{ system: FRAIL_PARAMETER_SYSTEM, code }] },
  subject: { reference: 'Patient/p' },
  valueBoolean: value,
});
const data = (conditions: Condition[], birthDate = '1950-06-01', observations: Observation[] = []): PatientData => ({
  patient: { resourceType: 'Patient', id: 'p', birthDate },
  conditions,
  observations,
  encounters: [],
  today: '2025-01-31',
});
const eligibility = (p: PlanDefinition, d: PatientData) => {
  const compiled = compileProgramme(p);
  return evaluateEligibility(compiled.inclusion, compiled.enrolment, d, terminology);
};

describe('the catalogue as FHIR resources', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = new Validator();
    learnProjectProfiles(validator);
    for (const r of catalogue) if (r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem') validator.learn(r);
  });

  it('has the ten programmes of the issue', () => {
    expect(plans.map((p) => p.id).sort()).toEqual(
      [
        'acquired-brain-injury',
        'cancer-rehabilitation-palliation',
        'cardiovascular',
        'copd',
        'dementia',
        'depression',
        'diabetes-type-2',
        'frail-elderly',
        'low-back-pain',
        'schizophrenia',
      ].sort(),
    );
    expect(PROGRAMMES).toHaveLength(10);
  });

  it('validates every resource without errors', () => {
    const failures = catalogue
      .map((r) => ({ r: `${r.resourceType}/${r.id}`, errors: validator.validate(r).filter((i) => i.severity === 'error' || i.severity === 'fatal') }))
      .filter((f) => f.errors.length > 0);
    expect(failures).toEqual([]);
    expect(catalogue.some((r) => hasErrors(validator.validate(r)))).toBe(false);
  });

  it('names each canonical resource under https://forlob.dk/fhir with id = last url segment, version 1.0.0, unique', () => {
    const keys = new Set<string>();
    for (const r of catalogue as (Resource & { url?: string; version?: string; status?: string })[]) {
      expect(r.url).toBe(`https://forlob.dk/fhir/${r.resourceType}/${r.id}`);
      expect(r.version).toBe('1.0.0');
      expect(r.status).toBe('active');
      keys.add(`${r.resourceType}/${r.id}`);
    }
    expect(keys.size).toBe(catalogue.length);
  });

  it('uses only activity-type codes the project CodeSystem (fhir-profiles/) defines', () => {
    const file = path.resolve('fhir-profiles/CodeSystem/activity-type.json');
    const defined = new Set((JSON.parse(fs.readFileSync(file, 'utf8')) as CodeSystem).concept!.map((c) => c.code));
    const used = new Set(JSON.stringify(catalogue).match(/"system":"https:\/\/forlob\.dk\/fhir\/CodeSystem\/activity-type","code":"[^"]+"/g)!.map((m) => m.split('"code":"')[1].slice(0, -1)));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((c) => !defined.has(c))).toEqual([]);
  });

  it('is built the same way every time (no clocks, no randomness)', () => {
    expect(JSON.stringify(buildCatalogue())).toBe(JSON.stringify(catalogue));
  });
});

describe('each PlanDefinition follows the contract', () => {
  it.each(plans.map((p) => [p.id!, p] as const))('%s: type, topic, actions enrolment → stratification → course', (_id, p) => {
    expect(p.type?.coding?.[0]?.code).toBe('clinical-protocol');
    expect(p.topic?.[0]?.coding?.[0]).toMatchObject({ system: CS.programme, code: p.id });
    expect(p.action!.map((a) => a.id)).toEqual(['enrolment', 'stratification', 'course']);
    for (const a of p.action!.slice(0, 2)) expect(a.code?.[0]?.coding?.[0]).toMatchObject({ system: CS.activityType, code: a.id });
    const enrolment = p.action![0];
    expect(enrolment.input?.[0]?.codeFilter?.[0]?.valueSet).toMatch(/^https:\/\/forlob\.dk\/fhir\/ValueSet\/.+-inclusion$/);
    for (const c of enrolment.condition ?? []) {
      expect(c.kind).toBe('applicability');
      expect(c.expression).toMatchObject({ language: 'text/fhirpath' });
      expect(c.expression?.name).toMatch(/^(inclusion|exclusion-.+|age)$/);
      expect(c.expression?.description?.length).toBeGreaterThan(10);
    }
  });

  it.each(plans.map((p) => [p.id!, p] as const))('%s: every value set a condition names is in the catalogue', (_id, p) => {
    const expressions = JSON.stringify(p.action).match(/memberOf\('[^']+'\)/g) ?? [];
    expect(expressions.length).toBeGreaterThan(0);
    for (const u of expressions.flatMap((e) => memberOfUrls(e))) expect(valueSets.some((v) => v.url === u), u).toBe(true);
  });

  it.each(plans.map((p) => [p.id!, p] as const))('%s: every action instantiates a catalogue ActivityDefinition and relates to existing steps', (_id, p) => {
    const course = top(p, 'course').action!;
    const offers = top(p, 'stratification').action!.flatMap((s) => s.action ?? []);
    const ids = new Set(course.map((a) => a.id));
    const all: PlanDefinitionAction[] = [...course, ...offers];
    expect(new Set(all.map((a) => a.id)).size).toBe(all.length);
    for (const a of all) {
      const ad = activities.find((d) => d.url === a.definitionCanonical);
      expect(ad, `${a.id} → ${a.definitionCanonical}`).toBeDefined();
      expect(ad!.code?.coding?.[0]).toMatchObject({ system: CS.activityType, code: a.code?.[0]?.coding?.[0]?.code });
      expect(a.participant?.[0]?.role?.coding?.[0]?.system).toBe(CS.sector);
      for (const r of a.relatedAction ?? []) expect(ids.has(r.actionId), `${a.id} after ${r.actionId}`).toBe(true);
    }
  });

  it.each(plans.map((p) => [p.id!, p] as const))('%s: cites the seed documents and labels every assumption', (_id, p) => {
    const cited = (p.relatedArtifact ?? []).filter((r) => r.type === 'citation');
    expect(cited.length).toBeGreaterThan(0);
    const files = Object.values(SEED_DOCUMENTS).map((d) => d.file);
    for (const c of cited) expect(files.some((f) => c.citation?.includes(`seeds/${f}`))).toBe(true);
    for (const r of p.relatedArtifact ?? []) if (r.label === 'assumption') expect(r.display).toMatch(/^Assumption: /);
    expect(p.goal?.length).toBeGreaterThan(0);
    for (const g of p.goal ?? []) expect(g.documentation?.length).toBeGreaterThan(0);
    expect(p.title).toMatch(/[a-zæøå]/);
  });
});

describe('inclusion and exclusion codes', () => {
  const diagnosisPlans = plans.filter((p) => p.id !== 'frail-elderly');

  it.each(diagnosisPlans.map((p) => [p.id!, p] as const))('%s: inclusion in ICD-10 WHO, SKS and ICPC-2, SKS = D + WHO without dot', (id, _p) => {
    const vs = valueSets.find((v) => v.id === `${id}-inclusion`)!;
    const bySystem = (s: string) => vs.compose!.include.filter((i) => i.system === s).map((i) => i.filter![0].value!);
    const who = bySystem(SYSTEM.icd10);
    expect(who.length).toBeGreaterThan(0);
    expect(bySystem(SYSTEM.icpc2).length).toBeGreaterThan(0);
    expect(bySystem(SYSTEM.sks)).toEqual(who.map((c) => `D${c.replace('.', '')}`));
    for (const i of vs.compose!.include) expect(i.filter).toEqual([{ property: 'concept', op: 'is-a', value: expect.any(String) }]);
  });

  it('lists ranges code by code (I20–I25, I60–I69, C00–C97 without unused numbers)', () => {
    const who = (id: string) => valueSets.find((v) => v.id === id)!.compose!.include.filter((i) => i.system === SYSTEM.icd10).map((i) => i.filter![0].value);
    expect(who('cardiovascular-inclusion')).toEqual(['I20', 'I21', 'I22', 'I23', 'I24', 'I25', 'I50']);
    expect(who('acquired-brain-injury-inclusion')).toEqual(['I60', 'I61', 'I62', 'I63', 'I64', 'I65', 'I66', 'I67', 'I68', 'I69', 'S06']);
    const cancer = who('cancer-rehabilitation-palliation-inclusion');
    expect(cancer).toContain('C00');
    expect(cancer).toContain('C97');
    expect(cancer).not.toContain('C27');
  });

  // A real code per programme and system: [programme, WHO, SKS, ICPC-2].
  const REAL: [string, string, string, string][] = [
    ['diabetes-type-2', 'E11.9', 'DE119', 'T90'],
    ['copd', 'J44.1', 'DJ431', 'R95'],
    ['cardiovascular', 'I21.0', 'DI500', 'K77'],
    ['low-back-pain', 'M54.5', 'DM511', 'L86'],
    ['dementia', 'F00.1', 'DG309', 'P70'],
    ['schizophrenia', 'F20.0', 'DF209', 'P72'],
    ['depression', 'F32.1', 'DF331', 'P76'],
    ['cancer-rehabilitation-palliation', 'C50.9', 'DC349', 'X76'],
    ['acquired-brain-injury', 'I63.9', 'DS065', 'K90'],
  ];

  it.each(REAL)('%s: an adult with %s, %s or %s is eligible', (id, who, sks, icpc) => {
    for (const [system, code] of [[SYSTEM.icd10, who], [SYSTEM.sks, sks], [SYSTEM.icpc2, icpc]]) {
      const result = eligibility(plan(id), data([condition(system, code)]));
      expect(result.failures, `${system} ${code}`).toEqual([]);
      expect(result.evidence).toHaveLength(1);
    }
  });

  it.each(REAL)('%s: a diagnosis of another programme does not include, a child is not included', (id, who) => {
    const other = REAL.find(([o]) => o !== id && o !== 'acquired-brain-injury' && o !== 'cardiovascular')!;
    expect(eligibility(plan(id), data([condition(SYSTEM.icpc2, other[3])])).failures.map((f) => f.name)).toContain('inclusion');
    expect(eligibility(plan(id), data([condition(SYSTEM.icd10, who)], '2012-01-01')).failures.map((f) => f.name)).toEqual(['age']);
  });

  // [programme, system and code of an including diagnosis, system and code of an excluding one]
  it.each([
    ['diabetes-type-2', SYSTEM.sks, 'DE119', SYSTEM.sks, 'DE109'],
    ['diabetes-type-2', SYSTEM.icd10, 'E11.9', SYSTEM.icd10, 'O24.4'],
    ['diabetes-type-2', SYSTEM.icpc2, 'T90', SYSTEM.icpc2, 'T89'],
    ['depression', SYSTEM.sks, 'DF321', SYSTEM.sks, 'DF313'],
    ['depression', SYSTEM.icpc2, 'P76', SYSTEM.icpc2, 'P73'],
    ['low-back-pain', SYSTEM.icd10, 'M54.5', SYSTEM.icd10, 'G83.4'],
    ['low-back-pain', SYSTEM.sks, 'DM544', SYSTEM.sks, 'DS320'],
  ])('%s: %s %s is excluded by %s %s', (id, inSystem, including, exSystem, excluding) => {
    const result = eligibility(plan(id), data([condition(inSystem, including), condition(exSystem, excluding)]));
    expect(result.failures.map((f) => f.name)).toEqual(['exclusion-diagnosis']);
  });

  it('programmes without exclusions in the sources have no exclusion value set', () => {
    const withExclusion = valueSets.filter((v) => v.id!.endsWith('-exclusion')).map((v) => v.id);
    expect(withExclusion.sort()).toEqual(['depression-exclusion', 'diabetes-type-2-exclusion', 'low-back-pain-exclusion']);
  });
});

describe('the frail elderly programme (not diagnosis-based)', () => {
  const frail = () => plan('frail-elderly');

  it('reads Observations coded in the seed CodeSystem', () => {
    expect(frail().action![0].input?.[0]).toMatchObject({ type: 'Observation' });
    const cs = catalogue.find((r) => r.resourceType === 'CodeSystem' && r.url === FRAIL_PARAMETER_SYSTEM);
    expect(cs).toBeDefined();
  });

  it('includes at 65+ with a health and a social parameter, or by professional judgement', () => {
    const both = [parameter('reduced-function'), parameter('weak-network')];
    expect(eligibility(frail(), data([], '1950-01-01', both)).eligible).toBe(true);
    expect(eligibility(frail(), data([], '1950-01-01', [parameter('professional-judgement')])).eligible).toBe(true);
    expect(eligibility(frail(), data([], '1970-01-01', both)).failures.map((f) => f.name)).toEqual(['age']);
    expect(eligibility(frail(), data([], '1950-01-01', [parameter('reduced-function')])).failures.map((f) => f.name)).toEqual(['inclusion']);
    expect(eligibility(frail(), data([], '1950-01-01', [parameter('reduced-function'), parameter('weak-network', false)])).eligible).toBe(false);
  });
});

describe('strata: first match, default last', () => {
  it.each(plans.map((p) => [p.id!, p] as const))('%s: strata 1–4 in order, 1–3 conditional, 4 the default', (_id, p) => {
    const s = top(p, 'stratification');
    expect(s.selectionBehavior).toBe('exactly-one');
    expect(s.action!.map((a) => a.code![0].coding![0])).toEqual(['1', '2', '3', '4'].map((code) => ({ system: CS.stratum, code })));
    expect(s.action!.slice(0, 3).every((a) => a.condition?.length === 1)).toBe(true);
    expect(s.action![3].condition).toBeUndefined();
    for (const stratum of s.action!) expect(stratum.action?.length).toBeGreaterThan(0);
  });

  const select = (p: PlanDefinition, complexity?: string, selfCare?: string, severity?: string) =>
    selectStratum(compileStrata(p), data([]), { complexity, selfCare, severity, chronicConditions: [] }, terminology)!.stratum;

  it.each(plans.map((p) => [p.id!, p] as const))('%s: the two-dimensional table, and missing inputs never select stratum 4', (_id, p) => {
    expect(select(p, 'low', 'good')).toBe('1');
    expect(select(p, 'low', 'low')).toBe('2');
    expect(select(p, 'high', 'good')).toBe('3');
    expect(select(p, 'high', 'low')).toBe('4');
    expect(select(p)).toBe('1');
  });

  it('COPD: severe counts as high complexity; dementia: a moderate or severe stage as low self-care', () => {
    expect(select(plan('copd'), 'low', 'good', 'severe')).toBe('3');
    expect(select(plan('copd'), 'low', 'low', 'severe')).toBe('4');
    expect(select(plan('copd'), 'low', 'good', 'moderate')).toBe('1');
    expect(select(plan('dementia'), 'low', 'good', 'moderate')).toBe('2');
    expect(select(plan('dementia'), 'high', 'good', 'severe')).toBe('4');
    expect(select(plan('dementia'), 'low', 'good', 'mild')).toBe('1');
  });
});

describe('course steps and timing', () => {
  it.each(plans.filter((p) => p.id !== 'frail-elderly').map((p) => [p.id!, p] as const))('%s: clarifying → 5–7 weekly sessions → closing → follow-up 3 months later', (_id, p) => {
    const steps = top(p, 'course').action!;
    expect(steps.slice(0, 4).map((a) => a.id)).toEqual(['clarifying-conversation', 'education-session', 'closing-conversation', 'follow-up-conversation']);
    const repeat = steps[1].timingTiming!.repeat!;
    expect(repeat).toMatchObject({ frequency: 1, period: 1, periodUnit: 'wk' });
    expect(repeat.count).toBeGreaterThanOrEqual(5);
    expect(repeat.count).toBeLessThanOrEqual(7);
    expect(steps[3].relatedAction).toEqual([
      { actionId: 'closing-conversation', relationship: 'after-end', offsetDuration: { value: 3, unit: 'months', system: 'http://unitsofmeasure.org', code: 'mo' } },
    ]);
    const annual = steps.find((a) => a.id === 'annual-control');
    if (annual) expect(annual.timingTiming!.repeat).toMatchObject({ frequency: 1, period: 1, periodUnit: 'a' });
  });

  it('has an annual control wherever the programme is a chronic control programme', () => {
    const withAnnual = plans.filter((p) => top(p, 'course').action!.some((a) => a.id === 'annual-control')).map((p) => p.id);
    expect(withAnnual.sort()).toEqual(['acquired-brain-injury', 'cardiovascular', 'copd', 'dementia', 'depression', 'diabetes-type-2', 'schizophrenia']);
  });
});
