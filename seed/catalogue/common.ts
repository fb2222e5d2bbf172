import { assumption, digest, seed, type Source } from './sources.js';
import type { ActionSpec, StratumSpec } from './types.js';

/* Sources and phrasing several programmes share, so each programme file holds only what is its own. */

export const ADULTS = {
  years: 18,
  sources: [
    seed('001', 'Modul: Børn og unge, 1', 'each programme must state which age group it covers'),
    assumption('the programme covers adults (18 years or more); children and young people need programmes of their own'),
  ],
};

export const PATIENT_GROUP = seed('001', '3.2.1 In- og eksklusionskriterier', 'diagnoses in ICD-10 (hospitals) and ICPC-2 (general practice) decide inclusion');
export const CODE_TABLE = digest('ICD-10 and ICPC-2 inclusion codes and typical exclusions per programme (SKS = ICD-10 with a D prefix)');

export const STRATIFICATION_SOURCES: Source[] = [
  seed('002', '3.4 Stratificering', 'stratification weighs disease complexity/severity and self-care ability/functional level'),
  seed('001', 'Modul: Stratificering, 2–4', 'the stratum decides which offers are given and in which sector; most patients in general practice and municipality'),
  digest('the two-dimensional table: what each stratum is offered and by which sector'),
  seed('001', 'Modul: Stratificering, 3', 'a professional may assess the individual patient differently (clinician override)'),
];

export const GENERIC_STRATIFICATION =
  'Two dimensions: disease complexity (high with two or more chronic diseases the catalogue covers, or as a clinician records it) and self-care ability (as recorded; good without an assessment).';

export const STRATUM_TITLES = [
  'Stratum 1: lav sygdomskompleksitet, god egenomsorgsevne',
  'Stratum 2: lav sygdomskompleksitet, nedsat egenomsorgsevne',
  'Stratum 3: høj sygdomskompleksitet, god egenomsorgsevne',
  'Stratum 4: høj sygdomskompleksitet, nedsat egenomsorgsevne',
];

const DESCRIPTIONS = [
  'The GP is tovholder; standard municipal offers (patient education, training).',
  'The GP is tovholder; municipal support; the need for a care coordinator is assessed.',
  'Shared care between the GP and the hospital outpatient clinic.',
  'Hospital-led treatment; a care coordinator is allocated.',
];

/** Strata 1–4 with the standard titles and descriptions (DOMAIN table), plus what is particular here. */
export function strata(offers: [ActionSpec[], ActionSpec[], ActionSpec[], ActionSpec[]], notes: string[] = []): [StratumSpec, StratumSpec, StratumSpec, StratumSpec] {
  return offers.map((o, i) => ({ title: STRATUM_TITLES[i], description: notes[i] ? `${DESCRIPTIONS[i]} ${notes[i]}` : DESCRIPTIONS[i], offers: o })) as [
    StratumSpec,
    StratumSpec,
    StratumSpec,
    StratumSpec,
  ];
}

export const RUN_BY_ALL_REGIONS = seed('000', 'I. Udbredelse af forløbsprogrammer', 'all five regions have made and are implementing the programme');
export const PLANNED = (regions: string) => seed('000', 'III. Kommende forløbsprogrammer', `planned by ${regions}`);

export const SESSIONS_ASSUMPTION = (n: number, why: string) =>
  assumption(`${n} weekly sessions (seed 004 gives 5–7 weeks depending on the programme): ${why}`);
