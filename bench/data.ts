/**
 * Deterministic generator of a realistic Danish chronic-care population for benchmarks.
 *
 * Every patient is generated from its own PRNG stream (seed + patient index), so the data set for
 * N patients is exactly the first N patients of any larger one, independent of how it is batched.
 * No clock and no Math.random: the same options always give the same bytes.
 *
 * Per patient (about 100 resources on average): Patient (CPR identifier, Danish name and address,
 * generalPractitioner → a GP clinic Organization with a SOR identifier), Conditions (ICD-10, often
 * with an ICPC-2 coding), Encounters, Observations (HbA1c, blood pressure with components, heart
 * rate, weight, LDL, creatinine; UCUM quantities dated 2019–2025), and per chronic-disease programme
 * (forløbsprogram) a CareTeam, a CarePlan (instantiatesCanonical the programme) and Tasks based on it.
 */

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

export const CPR_SYSTEM = 'urn:oid:1.2.208.176.1.2';
export const SOR_SYSTEM = 'urn:oid:1.2.208.176.1.1';
export const ICD10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10';
export const ICPC2_SYSTEM = 'urn:oid:1.2.208.176.2.31';
export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';
export const PROGRAMME_BASE = 'https://forlob.dk/fhir/PlanDefinition';

/** Observations are dated within [DATA_START, DATA_END). */
const DATA_START = Date.UTC(2019, 0, 1);
const DATA_END = Date.UTC(2025, 6, 1);
const DAY = 86_400_000;
const YEAR = 365.25 * DAY;

interface Programme {
  key: string;
  title: string;
  weight: number;
  icd10: { code: string; display: string };
  icpc2: { code: string; display: string };
}

export const PROGRAMMES: Programme[] = [
  {
    key: 'diabetes-type-2',
    title: 'Forløbsprogram for type 2-diabetes',
    weight: 35,
    icd10: { code: 'E11.9', display: 'Type 2-diabetes uden komplikationer' },
    icpc2: { code: 'T90', display: 'Diabetes non-insulinkrævende' },
  },
  {
    key: 'kol',
    title: 'Forløbsprogram for KOL',
    weight: 20,
    icd10: { code: 'J44.1', display: 'Kronisk obstruktiv lungesygdom med akut eksacerbation' },
    icpc2: { code: 'R95', display: 'Kronisk obstruktiv lungesygdom' },
  },
  {
    key: 'hjerte-kar',
    title: 'Forløbsprogram for hjerte-kar-sygdom',
    weight: 20,
    icd10: { code: 'I25.1', display: 'Aterosklerotisk hjertesygdom' },
    icpc2: { code: 'K74', display: 'Iskæmisk hjertesygdom med angina' },
  },
  {
    key: 'laenderygsmerter',
    title: 'Forløbsprogram for lænderygsmerter',
    weight: 15,
    icd10: { code: 'M54.5', display: 'Lændesmerter' },
    icpc2: { code: 'L03', display: 'Lændesymptomer/-klager' },
  },
  {
    key: 'depression',
    title: 'Forløbsprogram for depression',
    weight: 10,
    icd10: { code: 'F32.1', display: 'Moderat depressiv enkeltepisode' },
    icpc2: { code: 'P76', display: 'Depression' },
  },
];

const ACUTE = [
  { icd10: { code: 'J06.9', display: 'Akut infektion i øvre luftveje UNS' }, icpc2: { code: 'R74', display: 'Akut øvre luftvejsinfektion' } },
  { icd10: { code: 'N39.0', display: 'Urinvejsinfektion uden angivelse af lokalisation' }, icpc2: { code: 'U71', display: 'Blærebetændelse/urinvejsinfektion' } },
  { icd10: { code: 'I10', display: 'Essentiel hypertension' }, icpc2: { code: 'K86', display: 'Ukompliceret hypertension' } },
  { icd10: { code: 'M17.1', display: 'Primær artrose i knæled' }, icpc2: { code: 'L90', display: 'Knæartrose' } },
];

/** Family names with rough relative frequencies (Danmarks Statistik's top list, plus æ/ø/å names). */
const FAMILY: [string, number][] = [
  ['Jensen', 240], ['Nielsen', 235], ['Hansen', 200], ['Pedersen', 150], ['Andersen', 150], ['Christensen', 110],
  ['Larsen', 110], ['Sørensen', 105], ['Rasmussen', 90], ['Jørgensen', 85], ['Petersen', 80], ['Madsen', 60],
  ['Kristensen', 60], ['Olsen', 55], ['Thomsen', 45], ['Christiansen', 40], ['Poulsen', 35], ['Johansen', 35],
  ['Møller', 35], ['Mortensen', 33], ['Knudsen', 25], ['Jakobsen', 25], ['Mikkelsen', 22], ['Olesen', 21],
  ['Frederiksen', 20], ['Laursen', 20], ['Henriksen', 20], ['Lund', 19], ['Schmidt', 17], ['Eriksen', 16],
  ['Holm', 16], ['Kristiansen', 15], ['Clausen', 14], ['Simonsen', 14], ['Svendsen', 13], ['Andreasen', 13],
  ['Iversen', 12], ['Østergaard', 12], ['Jeppesen', 11], ['Vestergaard', 11], ['Nissen', 10], ['Lauridsen', 10],
  ['Kjær', 10], ['Jespersen', 10], ['Mogensen', 9], ['Skov', 9], ['Nørgaard', 9], ['Søndergaard', 8],
  ['Bach', 8], ['Dahl', 7], ['Damgaard', 6], ['Kjeldsen', 6], ['Thygesen', 5], ['Brandt', 5], ['Friis', 5],
  ['Winther', 5], ['Bødker', 3], ['Aagaard', 4], ['Ærbo', 1], ['Åberg', 1], ['Fønss', 1], ['Grønbæk', 3],
];

const GIVEN_F = ['Anne', 'Kirsten', 'Mette', 'Hanne', 'Helle', 'Susanne', 'Lene', 'Marianne', 'Camilla', 'Pia',
  'Louise', 'Inge', 'Bente', 'Karen', 'Lone', 'Tina', 'Charlotte', 'Maria', 'Sofie', 'Ida', 'Grete', 'Birthe',
  'Åse', 'Bjørg', 'Søs', 'Else', 'Dorthe', 'Jytte', 'Ulla', 'Ellen', 'Rikke', 'Signe'];
const GIVEN_M = ['Peter', 'Jens', 'Michael', 'Lars', 'Henrik', 'Thomas', 'Søren', 'Jan', 'Niels', 'Christian',
  'Martin', 'Jørgen', 'Hans', 'Anders', 'Rasmus', 'Morten', 'Ole', 'Mads', 'Bjørn', 'Frederik', 'Kåre', 'Ebbe',
  'Bo', 'Poul', 'Erik', 'Finn', 'Torben', 'Bent', 'Flemming', 'Jesper', 'Steen', 'Aage'];
const MIDDLE = ['Marie', 'Louise', 'Margrethe', 'Kristine', 'Elisabeth', 'Juul', 'Bøgh', 'Krogh', 'Østergaard', 'Dalgaard'];

const MUNICIPALITIES: { name: string; city: string; postal: string[] }[] = [
  { name: 'Københavns Kommune', city: 'København', postal: ['2100', '2200', '2300', '2400', '2450'] },
  { name: 'Frederiksberg Kommune', city: 'Frederiksberg', postal: ['2000'] },
  { name: 'Aarhus Kommune', city: 'Aarhus', postal: ['8000', '8200', '8210', '8220'] },
  { name: 'Odense Kommune', city: 'Odense', postal: ['5000', '5200', '5210', '5220'] },
  { name: 'Aalborg Kommune', city: 'Aalborg', postal: ['9000', '9200', '9210', '9220'] },
  { name: 'Esbjerg Kommune', city: 'Esbjerg', postal: ['6700', '6705', '6710', '6715'] },
  { name: 'Randers Kommune', city: 'Randers', postal: ['8900', '8920', '8930', '8940'] },
  { name: 'Kolding Kommune', city: 'Kolding', postal: ['6000'] },
  { name: 'Horsens Kommune', city: 'Horsens', postal: ['8700'] },
  { name: 'Vejle Kommune', city: 'Vejle', postal: ['7100'] },
  { name: 'Roskilde Kommune', city: 'Roskilde', postal: ['4000'] },
  { name: 'Herning Kommune', city: 'Herning', postal: ['7400'] },
  { name: 'Silkeborg Kommune', city: 'Silkeborg', postal: ['8600'] },
  { name: 'Næstved Kommune', city: 'Næstved', postal: ['4700'] },
  { name: 'Køge Kommune', city: 'Køge', postal: ['4600'] },
  { name: 'Hillerød Kommune', city: 'Hillerød', postal: ['3400'] },
  { name: 'Sønderborg Kommune', city: 'Sønderborg', postal: ['6400'] },
  { name: 'Svendborg Kommune', city: 'Svendborg', postal: ['5700'] },
  { name: 'Hjørring Kommune', city: 'Hjørring', postal: ['9800'] },
  { name: 'Frederikshavn Kommune', city: 'Frederikshavn', postal: ['9900'] },
  { name: 'Holstebro Kommune', city: 'Holstebro', postal: ['7500'] },
  { name: 'Slagelse Kommune', city: 'Slagelse', postal: ['4200'] },
  { name: 'Viborg Kommune', city: 'Viborg', postal: ['8800'] },
  { name: 'Ærø Kommune', city: 'Ærøskøbing', postal: ['5970'] },
];

const STREETS = ['Vestergade', 'Østergade', 'Nørregade', 'Søndergade', 'Algade', 'Kirkevej', 'Skovvej', 'Møllevej',
  'Strandvejen', 'Åboulevarden', 'Ålykken', 'Ærøvej', 'Bøgevej', 'Engtoften', 'Kærvej', 'Præstøvej', 'Fælledvej',
  'Havnegade', 'Stationsvej', 'Rosenvænget', 'Søvej', 'Birkevej', 'Lærkevej', 'Grønnegade'];
const FLOORS = ['', '', '', ', st. tv', ', st. th', ', 1. tv', ', 1. th', ', 2. tv', ', 2. th', ', 3. mf'];

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

/** sfc32, seeded through splitmix32: fast, good enough statistically, and fully deterministic. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    const mix = (x: number): number => {
      h = (h + x + 0x9e3779b9) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (const s of seeds) mix(s | 0);
    this.a = mix(1);
    this.b = mix(2);
    this.c = mix(3);
    this.d = mix(4);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<T>(items: readonly [T, number][]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.next() * total;
    for (const [v, w] of items) {
      x -= w;
      if (x < 0) return v;
    }
    return items[items.length - 1][0];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Approximately normal (Irwin–Hall with 4 terms). */
  normal(mean: number, sd: number): number {
    const s = this.next() + this.next() + this.next() + this.next() - 2;
    return mean + s * sd * Math.sqrt(3);
  }

  uuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 16; i++) {
      let byte = Math.floor(this.next() * 256);
      if (i === 6) byte = (byte & 0x0f) | 0x40;
      if (i === 8) byte = (byte & 0x3f) | 0x80;
      hex.push(byte.toString(16).padStart(2, '0'));
    }
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

export interface GenOptions {
  /** Number of patients. */
  patients: number;
  seed?: number;
  /** Number of GP clinics (Organizations); fixed by default so smaller sets are prefixes of larger ones. */
  organizations?: number;
  /** Largest number of entries per transaction Bundle (whole patients are never split). */
  bundleEntries?: number;
}

/** What a benchmark needs to know about a generated patient to query it. */
export interface PatientKey {
  index: number;
  cpr: string;
  family: string;
  /** The urn:uuid fullUrl used in its Bundle; the server assigns the id. */
  fullUrl: string;
  icd10: string[];
}

export interface Entry {
  fullUrl: string;
  resource: Json;
  request: { method: 'POST' | 'PUT'; url: string };
}

export interface PatientData {
  key: PatientKey;
  /** The Patient entry first, then everything referring to it. */
  entries: Entry[];
}

export interface GeneratedBundle {
  bundle: Json;
  /** Patients in this Bundle with the index of their Patient entry. */
  patients: { key: PatientKey; entryIndex: number }[];
  resources: number;
}

const DEFAULT_SEED = 20250101;
const DEFAULT_ORGS = 50;

// ---------------------------------------------------------------------------------------------
// Organizations
// ---------------------------------------------------------------------------------------------

export interface Clinic {
  id: string;
  sor: string;
  name: string;
}

export function clinics(opts: GenOptions): Clinic[] {
  const n = opts.organizations ?? DEFAULT_ORGS;
  const out: Clinic[] = [];
  for (let i = 0; i < n; i++) {
    const rng = new Rng(opts.seed ?? DEFAULT_SEED, 0x0e9a, i);
    const sor = `${rng.int(100000, 999999)}${String(i).padStart(3, '0')}1000016`.slice(0, 15);
    const street = rng.pick(STREETS);
    const name = rng.pick([
      `Lægerne ${street}`,
      `Lægehuset ${street}`,
      `Lægepraksis ${rng.pick(GIVEN_M)} ${rng.weighted(FAMILY)}`,
      `Sundhedshuset ${rng.pick(MUNICIPALITIES).city}`,
    ]);
    out.push({ id: `gp-${sor}`, sor, name });
  }
  return out;
}

/** A transaction Bundle creating (PUT, client-assigned ids) the GP clinics. */
export function organizationBundle(opts: GenOptions): Json {
  const entries: Entry[] = clinics(opts).map((c, i) => {
    const rng = new Rng(opts.seed ?? DEFAULT_SEED, 0x0e9b, i);
    const m = rng.pick(MUNICIPALITIES);
    return {
      fullUrl: `Organization/${c.id}`,
      resource: {
        resourceType: 'Organization',
        id: c.id,
        identifier: [{ system: SOR_SYSTEM, value: c.sor }],
        active: true,
        type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }], text: 'Almen praksis' }],
        name: c.name,
        telecom: [{ system: 'phone', value: `+45 ${rng.int(20, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)}`, use: 'work' }],
        address: [{ use: 'work', line: [`${rng.pick(STREETS)} ${rng.int(1, 120)}`], city: m.city, district: m.name, postalCode: rng.pick(m.postal), country: 'DK' }],
      },
      request: { method: 'PUT', url: `Organization/${c.id}` },
    };
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

// ---------------------------------------------------------------------------------------------
// Patients
// ---------------------------------------------------------------------------------------------

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Local Danish time with offset (CET/CEST approximated by month). */
export function isoDateTime(ms: number): string {
  const d = new Date(ms);
  const month = d.getUTCMonth();
  const summer = month >= 3 && month <= 9;
  const offset = summer ? 2 : 1;
  const local = new Date(ms + offset * 3_600_000).toISOString().slice(0, 19);
  return `${local}+0${offset}:00`;
}

/** Office hours on a given day: 08:00–15:45 local, quarter-hour slots. */
function visitTime(rng: Rng, dayMs: number): number {
  const day = Math.floor(dayMs / DAY) * DAY;
  return day + (7 + rng.int(0, 7)) * 3_600_000 + rng.int(0, 3) * 900_000;
}

function cprFor(index: number, birth: Date, male: boolean): string {
  const dd = String(birth.getUTCDate()).padStart(2, '0');
  const mm = String(birth.getUTCMonth() + 1).padStart(2, '0');
  const yy = String(birth.getUTCFullYear() % 100).padStart(2, '0');
  // 7th digit 0–3 means born 1900–1999; the serial encodes the index so CPRs are unique for 2,000
  // patients regardless of birth date (and almost surely beyond); the last digit's parity is the sex.
  const d7 = Math.floor(index / 500) % 4;
  const d89 = String(index % 100).padStart(2, '0');
  const d10 = 2 * (Math.floor(index / 100) % 5) + (male ? 1 : 0);
  return `${dd}${mm}${yy}${d7}${d89}${d10}`;
}

function ref(fullUrl: string, display?: string): Json {
  return display ? { reference: fullUrl, display } : { reference: fullUrl };
}

export function loinc(code: string, display: string, text: string): Json {
  return { coding: [{ system: LOINC_SYSTEM, code, display }], text };
}

const CAT_VITAL = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }];
export const CAT_LAB = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }];

export function quantity(value: number, unit: string, code = unit): Json {
  return { value, unit, system: UCUM_SYSTEM, code };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** One patient with everything that refers to it. */
export function generatePatient(opts: GenOptions, index: number): PatientData {
  const seed = opts.seed ?? DEFAULT_SEED;
  const rng = new Rng(seed, 0x9a71, index);
  const gps = clinics(opts);
  const gp = gps[rng.int(0, gps.length - 1)];
  const gpRef = { reference: `Organization/${gp.id}`, display: gp.name };
  const entries: Entry[] = [];
  const add = (resourceType: string, resource: Json): string => {
    const fullUrl = `urn:uuid:${rng.uuid()}`;
    entries.push({ fullUrl, resource: { resourceType, ...resource }, request: { method: 'POST', url: resourceType } });
    return fullUrl;
  };

  // --- Patient
  const male = rng.chance(0.5);
  const birthMs = Date.UTC(1930, 0, 1) + Math.floor(rng.next() * (Date.UTC(1999, 11, 31) - Date.UTC(1930, 0, 1)));
  const birth = new Date(Math.floor(birthMs / DAY) * DAY);
  const cpr = cprFor(index, birth, male);
  const family = rng.weighted(FAMILY);
  const given = [rng.pick(male ? GIVEN_M : GIVEN_F)];
  if (rng.chance(0.3)) given.push(rng.pick(male ? GIVEN_M : MIDDLE));
  const m = rng.pick(MUNICIPALITIES);
  const patientUrl = add('Patient', {
    identifier: [{ use: 'official', system: CPR_SYSTEM, value: cpr }],
    active: true,
    name: [{ use: 'official', family, given, text: `${given.join(' ')} ${family}` }],
    telecom: [
      { system: 'phone', value: `+45 ${rng.int(20, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)}`, use: 'mobile' },
      ...(rng.chance(0.6) ? [{ system: 'email', value: `${given[0].toLowerCase()}.${index}@example.dk`, use: 'home' }] : []),
    ],
    gender: male ? 'male' : 'female',
    birthDate: isoDate(birth.getTime()),
    address: [
      {
        use: 'home',
        type: 'physical',
        line: [`${rng.pick(STREETS)} ${rng.int(1, 150)}${FLOORS[rng.int(0, FLOORS.length - 1)]}`],
        city: m.city,
        district: m.name,
        postalCode: rng.pick(m.postal),
        country: 'DK',
      },
    ],
    maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: rng.pick(['M', 'S', 'D', 'W']) }] },
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'da', display: 'Danish' }] }, preferred: true }],
    generalPractitioner: [gpRef],
  });
  const patientRef = ref(patientUrl, `${given.join(' ')} ${family}`);

  // --- Programmes (1–3, distinct) and their Conditions
  const nProg = rng.weighted<number>([[1, 40], [2, 35], [3, 25]]);
  const progs: Programme[] = [];
  for (let guard = 0; progs.length < nProg && guard < 50; guard++) {
    const p = rng.weighted(PROGRAMMES.map((x) => [x, x.weight] as [Programme, number]));
    if (!progs.includes(p)) progs.push(p);
  }
  const icd10: string[] = [];
  const enrolment: { prog: Programme; condition: string; start: number }[] = [];
  for (const prog of progs) {
    const onset = DATA_START - rng.int(0, 8 * 365) * DAY + rng.int(0, 4 * 365) * DAY;
    const coding = [{ system: ICD10_SYSTEM, code: prog.icd10.code, display: prog.icd10.display }];
    if (rng.chance(0.6)) coding.push({ system: ICPC2_SYSTEM, code: prog.icpc2.code, display: prog.icpc2.display });
    const condition = add('Condition', {
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
      code: { coding, text: prog.icd10.display },
      subject: patientRef,
      onsetDateTime: isoDate(onset),
      recordedDate: isoDate(onset + rng.int(0, 60) * DAY),
      asserter: gpRef,
    });
    icd10.push(prog.icd10.code);
    enrolment.push({ prog, condition, start: Math.max(onset, DATA_START - 2 * 365 * DAY) + rng.int(10, 200) * DAY });
  }
  const nAcute = rng.int(0, 2);
  for (let i = 0; i < nAcute; i++) {
    const a = rng.pick(ACUTE);
    const onset = DATA_START + Math.floor(rng.next() * (DATA_END - DATA_START));
    const resolved = a.icd10.code === 'I10' || a.icd10.code === 'M17.1' ? 'active' : 'resolved';
    add('Condition', {
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: resolved }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
      code: { coding: [{ system: ICD10_SYSTEM, ...a.icd10 }, { system: ICPC2_SYSTEM, ...a.icpc2 }], text: a.icd10.display },
      subject: patientRef,
      onsetDateTime: isoDateTime(visitTime(rng, onset)),
      ...(resolved === 'resolved' ? { abatementDateTime: isoDate(onset + rng.int(5, 30) * DAY) } : {}),
      recordedDate: isoDate(onset),
    });
    icd10.push(a.icd10.code);
  }

  // --- Encounters (GP consultations)
  const encounters: { url: string; at: number }[] = [];
  const nEnc = rng.int(8, 16);
  for (let i = 0; i < nEnc; i++) {
    const at = visitTime(rng, DATA_START + Math.floor(rng.next() * (DATA_END - DATA_START)));
    const kind = rng.pick(['Konsultation', 'Årskontrol', 'Telefonkonsultation', 'Videokonsultation']);
    const url = add('Encounter', {
      status: 'finished',
      class: kind === 'Telefonkonsultation' || kind === 'Videokonsultation'
        ? { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' }
        : { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
      type: [{ text: kind }],
      subject: patientRef,
      period: { start: isoDateTime(at), end: isoDateTime(at + rng.pick([10, 15, 20, 30]) * 60_000) },
      serviceProvider: gpRef,
      ...(enrolment.length && rng.chance(0.5) ? { reasonReference: [ref(rng.pick(enrolment).condition)] } : {}),
    });
    encounters.push({ url, at });
  }
  const nearestEncounter = (at: number): Json | undefined => {
    for (const e of encounters) if (Math.abs(e.at - at) < 3 * DAY) return ref(e.url);
    return undefined;
  };

  // --- Observations
  const diabetic = progs.some((p) => p.key === 'diabetes-type-2');
  const baseSys = rng.normal(138, 12);
  const baseDia = rng.normal(84, 8);
  const baseWeight = male ? rng.normal(88, 14) : rng.normal(74, 13);
  const baseHba1c = diabetic ? rng.normal(7.4, 0.8) : rng.normal(5.5, 0.3);
  const observe = (at: number, resource: Json): void => {
    const enc = nearestEncounter(at);
    add('Observation', {
      status: 'final',
      ...resource,
      subject: patientRef,
      ...(enc ? { encounter: enc } : {}),
      effectiveDateTime: isoDateTime(at),
      issued: new Date(at + 3_600_000).toISOString(),
      performer: [gpRef],
    });
  };
  const spread = (perYear: number, visit: (at: number) => void): void => {
    const span = (DATA_END - DATA_START) / YEAR;
    const n = Math.max(1, Math.round(span * perYear * (0.7 + 0.6 * rng.next())));
    const step = (DATA_END - DATA_START) / n;
    for (let i = 0; i < n; i++) visit(visitTime(rng, DATA_START + i * step + rng.next() * step * 0.8));
  };
  spread(2.2, (at) => {
    const sys = Math.round(rng.normal(baseSys, 8));
    const dia = Math.round(rng.normal(baseDia, 6));
    observe(at, {
      category: CAT_VITAL,
      code: loinc('85354-9', 'Blood pressure panel with all children optional', 'Blodtryk'),
      component: [
        { code: loinc('8480-6', 'Systolic blood pressure', 'Systolisk blodtryk'), valueQuantity: quantity(sys, 'mm[Hg]') },
        { code: loinc('8462-4', 'Diastolic blood pressure', 'Diastolisk blodtryk'), valueQuantity: quantity(dia, 'mm[Hg]') },
      ],
    });
    observe(at, {
      category: CAT_VITAL,
      code: loinc('8867-4', 'Heart rate', 'Puls'),
      valueQuantity: quantity(Math.round(rng.normal(72, 9)), '/min'),
    });
  });
  spread(1.7, (at) =>
    observe(at, {
      category: CAT_VITAL,
      code: loinc('29463-7', 'Body weight', 'Vægt'),
      valueQuantity: quantity(round(rng.normal(baseWeight, 2.5), 1), 'kg'),
    }),
  );
  spread(diabetic ? 4 : 1, (at) =>
    observe(at, {
      category: CAT_LAB,
      code: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 'HbA1c'),
      valueQuantity: quantity(round(rng.normal(baseHba1c, 0.4), 1), '%'),
    }),
  );
  spread(1, (at) =>
    observe(at, {
      category: CAT_LAB,
      code: loinc('13457-7', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation', 'LDL-kolesterol'),
      valueQuantity: quantity(round(rng.normal(2.8, 0.7), 1), 'mmol/L'),
    }),
  );
  spread(1, (at) =>
    observe(at, {
      category: CAT_LAB,
      code: loinc('14682-9', 'Creatinine [Moles/volume] in Serum or Plasma', 'Kreatinin'),
      valueQuantity: quantity(Math.round(rng.normal(male ? 85 : 70, 15)), 'umol/L'),
    }),
  );

  // --- Per programme: CareTeam, CarePlan, Tasks
  for (const { prog, condition, start } of enrolment) {
    const ended = rng.chance(0.1);
    const end = ended ? start + rng.int(365, 3 * 365) * DAY : undefined;
    const careTeam = add('CareTeam', {
      status: ended ? 'inactive' : 'active',
      name: `${prog.title} – ${given[0]} ${family}`,
      subject: patientRef,
      period: { start: isoDate(start), ...(end ? { end: isoDate(end) } : {}) },
      participant: [
        {
          role: [{ text: 'Praktiserende læge' }],
          member: gpRef,
        },
        { role: [{ text: 'Patient' }], member: ref(patientUrl) },
      ],
      reasonReference: [ref(condition)],
      managingOrganization: [gpRef],
    });
    const carePlan = add('CarePlan', {
      instantiatesCanonical: [`${PROGRAMME_BASE}/${prog.key}`],
      status: ended ? 'completed' : 'active',
      intent: 'plan',
      category: [{ text: 'Forløbsprogram' }],
      title: prog.title,
      subject: patientRef,
      period: { start: isoDate(start), ...(end ? { end: isoDate(end) } : {}) },
      created: isoDateTime(visitTime(rng, start)),
      author: gpRef,
      careTeam: [ref(careTeam)],
      addresses: [ref(condition)],
    });
    const stop = Math.min(end ?? DATA_END, DATA_END);
    const years = Math.max(1, Math.ceil((stop - start) / YEAR));
    for (let y = 0; y < years && y < 12; y++) {
      const due = start + (y + 1) * YEAR;
      const past = due < DATA_END - 60 * DAY;
      {
        const what = y % 2 === 0 ? 'Årskontrol' : 'Opfølgning på behandlingsmål';
        const status = past ? (rng.chance(0.9) ? 'completed' : 'cancelled') : rng.pick(['requested', 'ready', 'in-progress']);
        add('Task', {
          basedOn: [ref(carePlan)],
          status,
          intent: 'order',
          priority: 'routine',
          code: { text: what },
          description: `${what} – ${prog.title.replace('Forløbsprogram for ', '')}`,
          for: ref(patientUrl),
          authoredOn: isoDateTime(visitTime(rng, due - 30 * DAY)),
          lastModified: isoDateTime(visitTime(rng, past ? due : Math.max(due - 29 * DAY, DATA_END - 10 * DAY))),
          owner: gpRef,
          executionPeriod: { start: isoDate(due - 30 * DAY), end: isoDate(due + 30 * DAY) },
          reasonReference: ref(condition),
        });
      }
    }
  }

  return { key: { index, cpr, family, fullUrl: patientUrl, icd10 }, entries };
}

/**
 * Transaction Bundles of whole patients, each at most `bundleEntries` entries (default 300) unless a
 * single patient is larger. Generated lazily.
 */
export function* patientBundles(opts: GenOptions): Generator<GeneratedBundle> {
  const limit = opts.bundleEntries ?? 300;
  let entries: Entry[] = [];
  let patients: GeneratedBundle['patients'] = [];
  const flush = (): GeneratedBundle => {
    const out = { bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries }, patients, resources: entries.length };
    entries = [];
    patients = [];
    return out;
  };
  for (let i = 0; i < opts.patients; i++) {
    const p = generatePatient(opts, i);
    if (entries.length > 0 && entries.length + p.entries.length > limit) yield flush();
    patients.push({ key: p.key, entryIndex: entries.length });
    entries.push(...p.entries);
  }
  if (entries.length > 0) yield flush();
}

/** 3-letter prefixes of family names that occur in the first `patients` patients (for name search). */
export function familyPrefixes(keys: PatientKey[]): string[] {
  return [...new Set(keys.map((k) => k.family.slice(0, 3)))].sort();
}
