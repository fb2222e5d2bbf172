import { HOSPITALS, MUNICIPALITIES } from './places.js';

/*
 * General practices and practitioners as data. One practice per municipality with two GPs and a practice
 * nurse; a care coordinator in every municipality and in the medical/geriatric departments. All names are
 * synthetic, made from common Danish names in a fixed order.
 */

const GIVEN_F = ['Anne', 'Mette', 'Kirsten', 'Hanne', 'Susanne', 'Lene', 'Camilla', 'Louise', 'Maria', 'Pia', 'Karen', 'Ida'];
const GIVEN_M = ['Peter', 'Jens', 'Lars', 'Michael', 'Henrik', 'Søren', 'Thomas', 'Martin', 'Niels', 'Jesper', 'Rasmus', 'Anders'];
const FAMILY = ['Nielsen', 'Jensen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Poulsen'];

export type PractitionerKind = 'gp' | 'nurse' | 'coordinator';

export interface PersonData {
  id: string;
  kind: PractitionerKind;
  given: string;
  family: string;
  gender: 'female' | 'male';
  /** The organisation the person works for (Organization id). */
  organization: string;
}

export interface PracticeData {
  id: string;
  name: string;
  municipality: string;
  /** Synthetic ydernummer (6 digits). */
  ydernummer: string;
  gps: string[];
}

/** The i-th person of the list: names and gender follow from the position, so the list is the same every time. */
function person([kind, id, organization]: [PractitionerKind, string, string], i: number): PersonData {
  const female = i % 2 === 0;
  return {
    id,
    kind,
    given: (female ? GIVEN_F : GIVEN_M)[Math.floor(i / 2) % 12],
    family: FAMILY[(i * 7) % FAMILY.length],
    gender: female ? 'female' : 'male',
    organization,
  };
}

export const PRACTICES: PracticeData[] = MUNICIPALITIES.map((m, i) => ({
  id: `gp-practice-${m.key}`,
  name: `Lægerne ${m.name}`,
  municipality: m.code,
  ydernummer: `99${String(i + 1).padStart(4, '0')}`,
  gps: [`gp-${m.key}-1`, `gp-${m.key}-2`],
}));

export const municipalityOrgId = (code: string) => `municipality-${code}`;
export const departmentOrgId = (hospitalId: string, key: string) => `${hospitalId}-${key}`;

/** Departments where hospital care coordinators work (medicine and geriatrics, where frail elderly are admitted). */
const COORDINATOR_DEPARTMENTS = HOSPITALS.flatMap((h) => h.departments.filter((d) => d.key === 'medicin' || d.key === 'geriatri').map((d) => departmentOrgId(h.id, d.key)));

export const PEOPLE: PersonData[] = (
  [
    ...PRACTICES.flatMap((p) => [
      ['gp', p.gps[0], p.id],
      ['gp', p.gps[1], p.id],
      ['nurse', `nurse-${p.id.slice('gp-practice-'.length)}`, p.id],
    ]),
    ...MUNICIPALITIES.map((m) => ['coordinator', `coordinator-${m.key}`, municipalityOrgId(m.code)]),
    ...COORDINATOR_DEPARTMENTS.map((d) => ['coordinator', `coordinator-${d.replace(/^hospital-/, '')}`, d]),
  ] as [PractitionerKind, string, string][]
).map(person);

/** The practice serving a municipality in the seed (one per municipality). */
export function practiceFor(municipalityCode: string): PracticeData {
  const p = PRACTICES.find((x) => x.municipality === municipalityCode);
  if (!p) throw new Error(`No seeded practice in municipality ${municipalityCode}`);
  return p;
}
