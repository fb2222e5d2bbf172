import { CPR_SYSTEM, familyPrefixes, ICD10_SYSTEM, LOINC_SYSTEM, PROGRAMMES, Rng } from '../data.js';
import type { LoadedPatient } from './load.js';

/** A GET workload: many distinct paths, rotated through so no single cached row flatters it. */
export interface PathWorkload {
  name: string;
  /** What it measures, with one example path. */
  description: string;
  /** Paths under the server root (`/fhir/...`), in the order they will be requested. */
  paths: string[];
  /** Checks on a sample response (e.g. "_include adds resources"). */
  expect?: { matchesAtLeast?: number; matchesAtMost?: number; includedAtLeast?: number };
}

const q = encodeURIComponent;

/** A deterministic shuffle (so every target and every run sees the same order). */
export function shuffled<T>(items: T[], seed: number): T[] {
  const rng = new Rng(seed, 0x5e4c);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Half-year windows with data (2020 H1 … 2024 H2). */
const HALF_YEARS: [string, string][] = [];
for (let y = 2020; y <= 2024; y++) {
  HALF_YEARS.push([`${y}-01-01`, `${y}-07-01`], [`${y}-07-01`, `${y + 1}-01-01`]);
}
/** Calendar months with data (2019-01 … 2025-05). */
const MONTHS: [string, string][] = [];
for (let y = 2019; y <= 2025; y++) {
  for (let m = 1; m <= 12 && !(y === 2025 && m > 5); m++) {
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    MONTHS.push([`${y}-${String(m).padStart(2, '0')}-01`, next]);
  }
}

/**
 * The search workloads of issue 3 (token, reference + token, string prefix, date range, _include,
 * _has, chain). `extra` is appended to every query (e.g. `_total=none`).
 */
export function searchWorkloads(patients: LoadedPatient[], seed: number, extra = ''): PathWorkload[] {
  const ps = shuffled(patients, seed);
  const tail = extra ? `&${extra}` : '';
  const perPatient = (f: (p: LoadedPatient, i: number) => string): string[] => ps.map((p, i) => f(p, i) + tail);
  const prefixes = shuffled(familyPrefixes(patients), seed + 1);
  const chronic = PROGRAMMES.map((p) => p.icd10.code);

  return [
    {
      name: 'token',
      description: 'Patient?identifier=<CPR system>|<cpr>',
      paths: perPatient((p) => `/fhir/Patient?identifier=${q(`${CPR_SYSTEM}|${p.cpr}`)}`),
      expect: { matchesAtLeast: 1, matchesAtMost: 1 },
    },
    {
      name: 'reference+token',
      description: 'Observation?subject=Patient/<id>&code=http://loinc.org|4548-4 (HbA1c)',
      paths: perPatient((p) => `/fhir/Observation?subject=${q(`Patient/${p.id}`)}&code=${q(`${LOINC_SYSTEM}|4548-4`)}`),
      expect: { matchesAtLeast: 1 },
    },
    {
      name: 'string-prefix',
      description: 'Patient?name=<3-letter prefix of a family name>',
      paths: prefixes.map((x) => `/fhir/Patient?name=${q(x)}${tail}`),
      expect: { matchesAtLeast: 1 },
    },
    {
      name: 'date-range',
      description: 'Observation?date=ge2023-01-01&date=lt2023-07-01&subject=Patient/<id> (half-year windows 2020–2024)',
      paths: perPatient((p, i) => {
        const [lo, hi] = HALF_YEARS[i % HALF_YEARS.length];
        return `/fhir/Observation?date=ge${lo}&date=lt${hi}&subject=${q(`Patient/${p.id}`)}`;
      }),
      expect: { matchesAtLeast: 1 },
    },
    {
      name: 'date-range-broad',
      description: 'Observation?date=ge2023-03-01&date=lt2023-04-01 (one month, all patients; months 2019–2025)',
      paths: shuffled(MONTHS, seed + 2).map(([lo, hi]) => `/fhir/Observation?date=ge${lo}&date=lt${hi}${tail}`),
      expect: { matchesAtLeast: 1 },
    },
    {
      name: '_include',
      description: 'CarePlan?subject=Patient/<id>&_include=CarePlan:care-team',
      paths: perPatient((p) => `/fhir/CarePlan?subject=${q(`Patient/${p.id}`)}&_include=${q('CarePlan:care-team')}`),
      expect: { matchesAtLeast: 1, includedAtLeast: 1 },
    },
    {
      name: '_has',
      description: 'Patient?_has:Condition:subject:code=http://hl7.org/fhir/sid/icd-10|E11.9&_count=20 (5 chronic ICD-10 codes)',
      paths: chronic.map((code) => `/fhir/Patient?${q('_has:Condition:subject:code')}=${q(`${ICD10_SYSTEM}|${code}`)}&_count=20${tail}`),
      expect: { matchesAtLeast: 1 },
    },
    {
      name: 'chain',
      description: 'Condition?subject:Patient.identifier=<CPR system>|<cpr>',
      paths: perPatient((p) => `/fhir/Condition?${q('subject:Patient.identifier')}=${q(`${CPR_SYSTEM}|${p.cpr}`)}`),
      expect: { matchesAtLeast: 1 },
    },
  ];
}

/** Read by id: every loaded patient, shuffled. */
export function readPaths(patients: LoadedPatient[], seed: number): string[] {
  return shuffled(patients, seed + 3).map((p) => `/fhir/Patient/${p.id}`);
}
