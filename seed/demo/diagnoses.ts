/*
 * The demo's diagnoses, each in the three systems Danish data uses: ICD-10 as WHO writes it, SKS (D prefix,
 * no dot) and ICPC-2. The five groups are those of the Danish count of chronic disease (distribution.ts);
 * the weights within and between groups are assumptions (README). A few diagnoses are outside every
 * programme (asthma, osteoporosis, atrial fibrillation, arthritis) or exclude from one (type 1 diabetes,
 * bipolar disorder), so the demo also holds patients a programme must refuse.
 */

export interface Diagnosis {
  icd10: string;
  icpc2: string;
  display: string;
  weight: number;
  sex?: 'male' | 'female';
}

export interface DiseaseGroup {
  key: 'diabetes' | 'cardiovascular' | 'lung' | 'musculoskeletal' | 'mental';
  /** Share among the five groups (assumption). */
  weight: number;
  diagnoses: Diagnosis[];
}

export const DISEASE_GROUPS: readonly DiseaseGroup[] = [
  {
    key: 'diabetes',
    weight: 20,
    diagnoses: [
      { icd10: 'E11.9', icpc2: 'T90', display: 'Type 2-diabetes uden komplikationer', weight: 75 },
      { icd10: 'E11.3', icpc2: 'T90', display: 'Type 2-diabetes med øjenkomplikationer', weight: 10 },
      { icd10: 'E10.9', icpc2: 'T89', display: 'Type 1-diabetes uden komplikationer', weight: 15 },
    ],
  },
  {
    key: 'cardiovascular',
    weight: 28,
    diagnoses: [
      { icd10: 'I25.1', icpc2: 'K76', display: 'Aterosklerotisk hjertesygdom', weight: 30 },
      { icd10: 'I20.9', icpc2: 'K74', display: 'Angina pectoris', weight: 15 },
      { icd10: 'I21.9', icpc2: 'K75', display: 'Akut myokardieinfarkt', weight: 10 },
      { icd10: 'I50.9', icpc2: 'K77', display: 'Hjerteinsufficiens', weight: 20 },
      { icd10: 'I63.9', icpc2: 'K90', display: 'Hjerneinfarkt', weight: 15 },
      { icd10: 'I48.9', icpc2: 'K78', display: 'Atrieflimren', weight: 10 },
    ],
  },
  {
    key: 'lung',
    weight: 24,
    diagnoses: [
      { icd10: 'J44.9', icpc2: 'R95', display: 'Kronisk obstruktiv lungesygdom', weight: 50 },
      { icd10: 'J43.9', icpc2: 'R95', display: 'Emfysem', weight: 5 },
      { icd10: 'J45.9', icpc2: 'R96', display: 'Astma', weight: 45 },
    ],
  },
  {
    key: 'musculoskeletal',
    weight: 13,
    diagnoses: [
      { icd10: 'M81.9', icpc2: 'L95', display: 'Knogleskørhed', weight: 55 },
      { icd10: 'M06.9', icpc2: 'L88', display: 'Leddegigt', weight: 45 },
    ],
  },
  {
    key: 'mental',
    weight: 15,
    diagnoses: [
      { icd10: 'F32.9', icpc2: 'P76', display: 'Depressiv enkeltepisode', weight: 40 },
      { icd10: 'F33.1', icpc2: 'P76', display: 'Periodisk depression, moderat', weight: 15 },
      { icd10: 'F20.0', icpc2: 'P72', display: 'Paranoid skizofreni', weight: 10 },
      { icd10: 'F03', icpc2: 'P70', display: 'Demens uden specifikation', weight: 10 },
      { icd10: 'F00.1', icpc2: 'P70', display: 'Alzheimers demens, sen debut', weight: 10 },
      { icd10: 'F31.3', icpc2: 'P73', display: 'Bipolar affektiv sindslidelse, depressiv episode', weight: 10 },
    ],
  },
];

/** Diagnoses outside the five counted groups, each given to a share of the population (assumptions). */
export const OTHER_DIAGNOSES: readonly (Diagnosis & { share: number })[] = [
  { icd10: 'M54.5', icpc2: 'L03', display: 'Lændesmerter', weight: 1, share: 0.08 },
  { icd10: 'C50.9', icpc2: 'X76', display: 'Brystkræft', weight: 1, share: 0.02, sex: 'female' },
  { icd10: 'C34.9', icpc2: 'R84', display: 'Lungekræft', weight: 1, share: 0.01 },
  { icd10: 'C18.9', icpc2: 'D75', display: 'Tyktarmskræft', weight: 1, share: 0.01 },
  { icd10: 'C61', icpc2: 'Y77', display: 'Prostatakræft', weight: 1, share: 0.02, sex: 'male' },
  { icd10: 'S06.0', icpc2: 'N79', display: 'Hjernerystelse', weight: 1, share: 0.01 },
];
