import type { Patient } from '@medplum/fhirtypes';
import { danishAddress } from '../reference/build-reference.js';
import { IDENTIFIER_SYSTEM, SYNTHETIC } from '../reference/identifiers.js';
import { practiceFor } from '../reference/people.js';
import { MUNICIPALITIES } from '../reference/places.js';
import { makeCpr } from './cpr.js';
import { FAMILY, GIVEN, STREETS } from './names.js';
import type { Prng } from './prng.js';

/*
 * A demo patient: sex, age, CPR, name, address in a seeded municipality (drawn by population), and the GP and
 * practice of that municipality. Age follows the Danish chronic population: 71 % of people over 67 and 22 % of
 * 18–67-year-olds have a chronic disease (seed 001, Modul: Multisygdom, 2), so about 40 % of the chronic
 * population is over 67; the more diseases, the older (assumption).
 */

export const FORLOB_PATIENT = 'https://forlob.dk/fhir/StructureDefinition/forlob-patient';

/** Share aged 67 or more by number of disease groups (assumption; the mix gives about 40 % overall). */
const SHARE_67_PLUS: Record<number, number> = { 1: 0.33, 2: 0.5, 3: 0.6, 4: 0.6, 5: 0.6 };

export interface DemoPerson {
  patient: Patient;
  age: number;
  sex: 'male' | 'female';
  municipality: string;
  gp: string;
  practice: string;
}

/** A birth date `age` years before `reference` (YYYY-MM-DD), on a random day of that year of life. */
function birthDateFor(reference: string, age: number, rng: Prng): string {
  const ref = new Date(`${reference}T00:00:00Z`);
  const latest = Date.UTC(ref.getUTCFullYear() - age, ref.getUTCMonth(), ref.getUTCDate());
  const day = 86_400_000;
  return new Date(latest - rng.int(0, 364) * day).toISOString().slice(0, 10);
}

export function makePerson(index: number, groups: number, reference: string, rng: Prng, usedCpr: Set<string>): DemoPerson {
  const sex = rng.chance(0.5) ? 'female' : 'male';
  const age = rng.chance(SHARE_67_PLUS[groups]) ? 67 + Math.floor(28 * rng.next() ** 1.5) : 18 + Math.floor(49 * Math.sqrt(rng.next()));
  const birthDate = birthDateFor(reference, age, rng);
  let cpr = makeCpr(birthDate, sex, rng.int(0, 99), rng.int(0, 4));
  while (usedCpr.has(cpr)) cpr = makeCpr(birthDate, sex, rng.int(0, 99), rng.int(0, 4));
  usedCpr.add(cpr);
  const m = rng.weighted(MUNICIPALITIES, (x) => x.weight);
  const practice = practiceFor(m.code);
  const gp = rng.pick(practice.gps);
  const id = demoPatientId(index);
  const address = danishAddress(m.name, m.code, m.region);
  return {
    age,
    sex,
    municipality: m.code,
    gp,
    practice: practice.id,
    patient: {
      resourceType: 'Patient',
      id,
      meta: { profile: [FORLOB_PATIENT], security: [SYNTHETIC] },
      identifier: [{ use: 'official', system: IDENTIFIER_SYSTEM.cpr, value: cpr }],
      active: true,
      name: [{ use: 'official', family: rng.pick(FAMILY), given: [rng.pick(GIVEN[sex])] }],
      gender: sex,
      birthDate,
      address: [{ ...address, use: 'home', line: [`${rng.pick(STREETS)} ${rng.int(1, 120)}`] }],
      generalPractitioner: [{ reference: `Practitioner/${gp}` }, { reference: `Organization/${practice.id}` }],
      managingOrganization: { reference: `Organization/${practice.id}` },
    },
  };
}

export const demoPatientId = (index: number) => `demo-${String(index + 1).padStart(4, '0')}`;
