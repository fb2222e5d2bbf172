import type { Condition, Encounter, Observation, Organization, Reference } from '@medplum/fhirtypes';
import { FRAIL_PARAMETER_CODES } from '../catalogue/frail-elderly-parameters.js';
import { FRAIL_PARAMETER_SYSTEM, SYSTEM } from '../catalogue/names.js';
import { sksCode } from '../catalogue/build-valuesets.js';
import { SYNTHETIC } from '../reference/identifiers.js';
import { departmentOrgId } from '../reference/people.js';
import { HOSPITALS, MUNICIPALITIES } from '../reference/places.js';
import { DISEASE_GROUPS, OTHER_DIAGNOSES, type Diagnosis } from './diagnoses.js';
import { daysBefore } from './dates.js';
import { bloodPressure, quantity, type ObservationContext } from './observations.js';
import type { DemoPerson } from './people.js';
import type { Prng } from './prng.js';

/*
 * A demo patient's clinical record: Conditions (one per disease group, plus the uncounted ones), Encounters in
 * general practice, at the hospital and (for frail elderly) admissions, and Observations: the measurements the
 * programmes monitor and the frail-elderly parameters. Diagnoses are coded the way each sector records them:
 * ICPC-2 in general practice, ICD-10 via SKS at hospitals, now and then ICD-10 as WHO writes it.
 */

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

export interface ClinicalRecord {
  conditions: Condition[];
  encounters: Encounter[];
  observations: Observation[];
}

/** `groups` distinct disease groups (weighted), one diagnosis in each, plus the uncounted diagnoses by share. */
export function chooseDiagnoses(groups: number, sex: 'male' | 'female', rng: Prng): Diagnosis[] {
  let pool = [...DISEASE_GROUPS];
  const out: Diagnosis[] = [];
  for (let i = 0; i < groups; i++) {
    const group = rng.weighted(pool, (g) => g.weight);
    pool = pool.filter((g) => g !== group);
    out.push(rng.weighted(group.diagnoses.filter((d) => !d.sex || d.sex === sex), (d) => d.weight));
  }
  for (const other of OTHER_DIAGNOSES) if ((!other.sex || other.sex === sex) && rng.chance(other.share)) out.push(other);
  return out;
}

function condition(person: DemoPerson, dx: Diagnosis, n: number, reference: string, rng: Prng): Condition {
  const roll = rng.next();
  const coding =
    roll < 0.45
      ? { system: SYSTEM.icpc2, code: dx.icpc2 }
      : roll < 0.85
        ? { system: SYSTEM.sks, code: sksCode(dx.icd10) }
        : { system: SYSTEM.icd10, code: dx.icd10 };
  const inPractice = coding.system === SYSTEM.icpc2;
  const years = rng.int(1, Math.max(1, Math.min(15, person.age - 18)));
  const onset = daysBefore(reference, years * 365 + rng.int(0, 300)).slice(0, 10);
  return {
    resourceType: 'Condition',
    id: `${person.patient.id}-c${n}`,
    meta: { security: [SYNTHETIC] },
    clinicalStatus: { coding: [{ system: CLINICAL, code: 'active' }] },
    verificationStatus: { coding: [{ system: VERIFICATION, code: 'confirmed' }] },
    category: [{ coding: [{ system: CATEGORY, code: inPractice ? 'problem-list-item' : 'encounter-diagnosis' }] }],
    code: { coding: [{ ...coding, display: dx.display }], text: dx.display },
    subject: { reference: `Patient/${person.patient.id}` },
    onsetDateTime: onset,
    recordedDate: onset,
    ...(inPractice && { asserter: { reference: `Practitioner/${person.gp}` } }),
  };
}

function encounter(
  person: DemoPerson,
  n: number,
  cls: 'AMB' | 'IMP',
  start: string,
  end: string,
  provider: Reference<Organization>,
  reason: Condition,
  type: string,
): Encounter {
  return {
    resourceType: 'Encounter',
    id: `${person.patient.id}-e${n}`,
    meta: { security: [SYNTHETIC] },
    status: 'finished',
    class: { system: ACT_CODE, code: cls, display: cls === 'AMB' ? 'ambulatory' : 'inpatient encounter' },
    type: [{ text: type }],
    subject: { reference: `Patient/${person.patient.id}` },
    ...(provider.reference?.startsWith('Organization/gp-practice') && { participant: [{ individual: { reference: `Practitioner/${person.gp}` } }] }),
    period: { start, end },
    reasonReference: [{ reference: `Condition/${reason.id}` }],
    serviceProvider: provider,
  };
}

/** A department of a hospital in the patient's region: medicine first (where frail elderly are admitted). */
function hospitalDepartment(person: DemoPerson, rng: Prng, medical: boolean): Reference<Organization> {
  const region = MUNICIPALITIES.find((m) => m.code === person.municipality)!.region;
  const hospital = rng.pick(HOSPITALS.filter((h) => h.region === region));
  const medicine = hospital.departments.find((d) => d.key === 'medicin' || d.key === 'geriatri');
  const dept = medical && medicine ? medicine : rng.pick(hospital.departments);
  return { reference: `Organization/${departmentOrgId(hospital.id, dept.key)}` };
}

export function clinicalRecord(person: DemoPerson, diagnoses: Diagnosis[], reference: string, rng: Prng): ClinicalRecord {
  const hospital = hospitalDepartment(person, rng, false);
  const conditions = diagnoses.map((dx, i) => condition(person, dx, i + 1, reference, rng));
  const encounters: Encounter[] = [];
  const practice: Reference<Organization> = { reference: `Organization/${person.practice}` };
  for (let i = 0, visits = rng.int(1, 3); i < visits; i++) {
    const daysAgo = rng.int(10, 360);
    const [start, end] = [daysBefore(reference, daysAgo, 8 + i), daysBefore(reference, daysAgo, 8 + i, 20)];
    encounters.push(encounter(person, encounters.length + 1, 'AMB', start, end, practice, rng.pick(conditions), 'Konsultation i almen praksis'));
  }
  const counted = diagnoses.filter((d) => DISEASE_GROUPS.some((g) => g.diagnoses.includes(d))).length;
  if (counted >= 2) {
    const daysAgo = rng.int(30, 300);
    encounters.push(encounter(person, encounters.length + 1, 'AMB', daysBefore(reference, daysAgo, 10), daysBefore(reference, daysAgo, 10, 45), hospital, rng.pick(conditions), 'Ambulant besøg'));
  }
  const frail = person.age >= 65 && counted >= 2 && rng.chance(0.6);
  let admissions = 0;
  if (frail && rng.chance(0.6)) {
    let daysAgo = rng.int(60, 200);
    for (let i = 0, n = rng.int(1, 3); i < n; i++, admissions++) {
      const length = rng.int(3, 14);
      const dept = hospitalDepartment(person, rng, true);
      encounters.push(encounter(person, encounters.length + 1, 'IMP', daysBefore(reference, daysAgo, 11), daysBefore(reference, daysAgo - length, 12), dept, rng.pick(conditions), 'Indlæggelse'));
      daysAgo -= length + rng.int(5, 40);
      if (daysAgo < 5) break;
    }
  }
  let numbered = 0;
  const ctx: ObservationContext = { person, reference, rng, next: () => `${person.patient.id}-o${++numbered}` };
  const observations: Observation[] = [];
  observations.push(...measurements(diagnoses, ctx));
  if (frail) observations.push(...frailParameters(ctx, admissions));
  else if (person.age >= 65 && rng.chance(0.02)) observations.push(frailParameter(ctx, FRAIL_PARAMETER_CODES.judgement, 'Inkluderet efter fagligt skøn: bor alene og mister overblikket over sin medicin.'));
  return { conditions, encounters, observations };
}

/** The measurements the programmes monitor, for the diagnoses the patient has. */
function measurements(diagnoses: Diagnosis[], ctx: ObservationContext): Observation[] {
  const { rng } = ctx;
  const out: Observation[] = [];
  const has = (prefix: string) => diagnoses.some((d) => d.icd10.startsWith(prefix));
  const push = (o: Observation) => out.push(o);
  if (has('E11')) {
    push(quantity(ctx, 'hba1c', rng.int(42, 85), rng.int(300, 380)));
    push(quantity(ctx, 'hba1c', rng.int(42, 80), rng.int(20, 60)));
  }
  const cardiovascular = ['I20', 'I21', 'I25', 'I63'].some(has);
  if (cardiovascular || has('E11')) push(quantity(ctx, 'ldl', rng.decimal(1.2, 4.2, 1), rng.int(20, 200)));
  if (cardiovascular || has('E11') || has('I50') || has('I48') || (ctx.person.age >= 50 && rng.chance(0.5))) push(bloodPressure(ctx, rng.int(20, 200)));
  if (has('J44') || has('J43')) push(quantity(ctx, 'fev1', rng.decimal(0.8, 2.6, 2), rng.int(30, 330)));
  if (has('F20')) push(quantity(ctx, 'bmi', rng.decimal(21, 38, 1), rng.int(30, 330)));
  if (has('F00') || has('F03')) push(quantity(ctx, 'mmse', rng.int(12, 27), rng.int(30, 330)));
  return out;
}

/** One to two health parameters and one to two organisational or social ones (readmission when there was one). */
function frailParameters(ctx: ObservationContext, admissions: number): Observation[] {
  const { rng } = ctx;
  const health = rng.shuffle(FRAIL_PARAMETER_CODES.health).slice(0, rng.int(1, 2));
  const other = rng.shuffle([...FRAIL_PARAMETER_CODES.organisational, ...FRAIL_PARAMETER_CODES.social].filter((c) => c !== 'readmission')).slice(0, rng.int(1, 2));
  if (admissions >= 2) other.push('readmission');
  return [...health, ...other].map((code) => frailParameter(ctx, code));
}

function frailParameter(ctx: ObservationContext, code: string, note?: string): Observation {
  const coordinator = `coordinator-${MUNICIPALITIES.find((m) => m.code === ctx.person.municipality)!.key}`;
  return {
    resourceType: 'Observation',
    id: ctx.next(),
    meta: { security: [SYNTHETIC] },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
    code: { coding: [{ system: FRAIL_PARAMETER_SYSTEM, code }] },
    subject: { reference: `Patient/${ctx.person.patient.id}` },
    effectiveDateTime: daysBefore(ctx.reference, ctx.rng.int(5, 150)),
    performer: [{ reference: `Practitioner/${coordinator}` }],
    valueBoolean: true,
    ...(note && { note: [{ text: note }] }),
  };
}
