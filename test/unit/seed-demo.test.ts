import type { Condition, Encounter, Observation, Patient, PlanDefinition, Resource, ValueSet } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalogue } from '../../seed/catalogue/index.js';
import { sksCode } from '../../seed/catalogue/build-valuesets.js';
import { cprBirthDate, cprSex, makeCpr } from '../../seed/demo/cpr.js';
import { DISEASE_GROUPS } from '../../seed/demo/diagnoses.js';
import { scaledCounts } from '../../seed/demo/distribution.js';
import { generateDemo } from '../../seed/demo/generate.js';
import { buildReferenceData } from '../../seed/reference/build-reference.js';
import { Terminology } from '../../src/programmes/codes.js';
import { evaluateEligibility } from '../../src/programmes/eligibility.js';
import { compileProgramme } from '../../src/programmes/programme-compile.js';
import { MUNICIPALITY_EXTENSION, SYSTEM } from '../../src/programmes/model.js';
import { Validator } from '../../src/validation/validator.js';
import { learnProjectProfiles } from './seed-support.js';

/**
 * The demo population (seed/demo): deterministic, distributed as the Danish figures say, with valid CPR
 * numbers, seeded GPs, DK-core addresses, coded Conditions and Observations, and patients for every programme.
 */

const demo = generateDemo();
const resources = demo.bundles.flatMap((b) => b.entry!.map((e) => e.resource!));
const of = <T extends Resource>(type: T['resourceType']) => resources.filter((r): r is T => r.resourceType === type);
const patients = of<Patient>('Patient');
const conditions = of<Condition>('Condition');
const observations = of<Observation>('Observation');
const subjectOf = (r: Condition | Observation) => r.subject!.reference!;

/** The counted disease group of a Condition, found from its code in whichever of the three systems it uses. */
function groupOf(c: Condition): string | undefined {
  const { system, code } = c.code!.coding![0];
  const matches = (d: (typeof DISEASE_GROUPS)[number]['diagnoses'][number]) =>
    system === SYSTEM.icpc2 ? d.icpc2 === code : system === SYSTEM.sks ? sksCode(d.icd10) === code : d.icd10 === code;
  return DISEASE_GROUPS.find((g) => g.diagnoses.some(matches))?.key;
}

describe('determinism', () => {
  it('gives the same Bundles (same hash) for the same seed, others for another seed', () => {
    expect(generateDemo().hash).toBe(demo.hash);
    expect(generateDemo({ seed: 7 }).hash).not.toBe(demo.hash);
    expect(demo.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds transaction Bundles of PUTs with fixed ids', () => {
    expect(demo.bundles).toHaveLength(40);
    for (const b of demo.bundles) {
      expect(b.type).toBe('transaction');
      for (const e of b.entry!) expect(e.request).toEqual({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id}` });
    }
    expect(new Set(resources.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(resources.length);
  });
});

describe('the Danish distribution of chronic disease', () => {
  it('scales the 2010 figures to 1,000 people exactly', () => {
    expect(scaledCounts(1000)).toEqual({ 1: 693, 2: 236, 3: 60, 4: 10, 5: 1 });
    expect(Object.values(scaledCounts(37)).reduce((s, n) => s + n, 0)).toBe(37);
  });

  it('gives the 1,000 patients that many disease groups, read back from their Conditions', () => {
    expect(patients).toHaveLength(1000);
    const groups = new Map<string, Set<string>>(patients.map((p) => [`Patient/${p.id}`, new Set()]));
    for (const c of conditions) {
      const g = groupOf(c);
      if (g) groups.get(subjectOf(c))!.add(g);
    }
    const histogram: Record<number, number> = {};
    for (const set of groups.values()) histogram[set.size] = (histogram[set.size] ?? 0) + 1;
    expect(histogram).toEqual({ 1: 693, 2: 236, 3: 60, 4: 10, 5: 1 });
  });

  it('makes about 40 % of them 67 or older, and everyone an adult', () => {
    const age = (p: Patient) => 2025 - Number(p.birthDate!.slice(0, 4));
    const old = patients.filter((p) => age(p) >= 68).length / patients.length;
    expect(old).toBeGreaterThan(0.3);
    expect(old).toBeLessThan(0.5);
    expect(patients.every((p) => age(p) >= 18 && age(p) <= 100)).toBe(true);
  });
});

describe('patients', () => {
  it('each have a unique CPR whose date is the birth date and whose last digit matches the gender', () => {
    const cprs = patients.map((p) => {
      const id = p.identifier!.find((i) => i.system === 'urn:oid:1.2.208.176.1.2')!.value!;
      expect(id).toMatch(/^\d{10}$/);
      expect(cprBirthDate(id), id).toBe(p.birthDate);
      expect(cprSex(id)).toBe(p.gender);
      return id;
    });
    expect(new Set(cprs).size).toBe(cprs.length);
  });

  it('makes CPR numbers for both centuries and rejects impossible dates', () => {
    expect(cprBirthDate(makeCpr('1950-03-01', 'female', 42, 3))).toBe('1950-03-01');
    expect(cprBirthDate(makeCpr('2003-12-31', 'male', 7, 0))).toBe('2003-12-31');
    expect(cprSex(makeCpr('2003-12-31', 'male', 7, 0))).toBe('male');
    expect(cprBirthDate('3102501234')).toBeUndefined();
    expect(cprBirthDate('0101371234')).toBe('1937-01-01');
    expect(cprBirthDate('0101374234')).toBe('1937-01-01');
    expect(cprBirthDate('0101364234')).toBe('2036-01-01');
  });

  it('each have a seeded GP and practice in their own municipality, and a DK-core municipality code', () => {
    const reference = buildReferenceData();
    const known = new Set(reference.map((r) => `${r.resourceType}/${r.id}`));
    const practiceMunicipality = new Map(
      reference
        .filter((r) => r.resourceType === 'Organization' && r.id!.startsWith('gp-practice-'))
        .map((o: any) => [`Organization/${o.id}`, o.address[0].extension.find((e: any) => e.url === MUNICIPALITY_EXTENSION).valueCodeableConcept.coding[0].code]),
    );
    for (const p of patients) {
      const [gp, practice] = p.generalPractitioner!.map((r) => r.reference!);
      expect(gp).toMatch(/^Practitioner\//);
      expect(known.has(gp) && known.has(practice)).toBe(true);
      const code = p.address![0].extension!.find((e) => e.url === MUNICIPALITY_EXTENSION)!.valueCodeableConcept!.coding![0];
      expect(code.system).toBe(SYSTEM.municipality);
      expect(practiceMunicipality.get(practice)).toBe(code.code);
    }
  });
});

describe('clinical data', () => {
  it('codes Conditions in ICD-10 via SKS, ICD-10 WHO and ICPC-2', () => {
    const bySystem = new Map<string, number>();
    for (const c of conditions) bySystem.set(c.code!.coding![0].system!, (bySystem.get(c.code!.coding![0].system!) ?? 0) + 1);
    expect([...bySystem.keys()].sort()).toEqual([SYSTEM.icd10, SYSTEM.icpc2, SYSTEM.sks].sort());
    for (const n of bySystem.values()) expect(n).toBeGreaterThan(100);
  });

  it('has Encounters and the monitored measurements (HbA1c in NPU and LOINC, FEV1, blood pressure)', () => {
    expect(of<Encounter>('Encounter').length).toBeGreaterThan(1000);
    const codes = new Set(observations.flatMap((o) => o.code!.coding!.map((c) => c.code)));
    for (const code of ['NPU27300', '59261-8', '20150-9', '85354-9', '22748-8']) expect(codes.has(code), code).toBe(true);
    const hba1c = observations.filter((o) => o.code!.coding!.some((c) => c.code === 'NPU27300'));
    for (const o of hba1c) expect(o.valueQuantity).toMatchObject({ system: 'http://unitsofmeasure.org', code: 'mmol/mol' });
  });

  it('holds patients eligible for every programme, and patients a programme must refuse', () => {
    const catalogue = buildCatalogue();
    const terminology = new Terminology(catalogue.filter((r): r is ValueSet => r.resourceType === 'ValueSet'));
    const plans = catalogue.filter((r): r is PlanDefinition => r.resourceType === 'PlanDefinition');
    const eligible = new Map<string, number>();
    const excluded = new Map<string, number>();
    for (const p of patients) {
      const data = {
        patient: p,
        conditions: conditions.filter((c) => subjectOf(c) === `Patient/${p.id}`),
        observations: observations.filter((o) => subjectOf(o) === `Patient/${p.id}`),
        encounters: [],
        today: '2025-01-01',
      };
      for (const plan of plans) {
        const compiled = compileProgramme(plan);
        const result = evaluateEligibility(compiled.inclusion, compiled.enrolment, data, terminology);
        if (result.eligible) eligible.set(plan.id!, (eligible.get(plan.id!) ?? 0) + 1);
        if (result.failures.some((f) => f.name.startsWith('exclusion'))) excluded.set(plan.id!, (excluded.get(plan.id!) ?? 0) + 1);
      }
    }
    for (const plan of plans) expect(eligible.get(plan.id!) ?? 0, plan.id).toBeGreaterThan(0);
    expect(excluded.get('diabetes-type-2') ?? 0).toBeGreaterThan(0);
    expect(excluded.get('depression') ?? 0).toBeGreaterThan(0);
  });
});

describe('validity', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = new Validator();
    learnProjectProfiles(validator);
    for (const r of buildCatalogue()) if (r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem') validator.learn(r);
  });

  it('validates every demo resource without errors', () => {
    const failures = resources
      .map((r) => ({ r: `${r.resourceType}/${r.id}`, errors: validator.validate(r).filter((i) => i.severity === 'error' || i.severity === 'fatal') }))
      .filter((f) => f.errors.length);
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
