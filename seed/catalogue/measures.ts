import { TERMINOLOGY } from './names.js';

/*
 * Measures the monitoring indicators (PlanDefinition.goal.target.measure) and the demo's Observations name:
 * LOINC, with the Danish NPU laboratory code where Danish laboratories report one. One table, so a goal and
 * the data it is measured on use the same codes.
 */

type Measure = { coding: { system: string; code: string; display: string }[]; text: string; unit: string; ucum: string };

const loinc = (code: string, display: string) => ({ system: TERMINOLOGY.loinc, code, display });

export const MEASURES = {
  hba1c: {
    coding: [
      { system: TERMINOLOGY.npu, code: 'NPU27300', display: 'Hb(B)—Hæmoglobin A1c(IFCC); stofforhold' },
      loinc('59261-8', 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol'),
    ],
    text: 'HbA1c (IFCC)',
    unit: 'mmol/mol',
    ucum: 'mmol/mol',
  },
  systolic: { coding: [loinc('8480-6', 'Systolic blood pressure')], text: 'Systolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]' },
  diastolic: { coding: [loinc('8462-4', 'Diastolic blood pressure')], text: 'Diastolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]' },
  ldl: { coding: [loinc('22748-8', 'Cholesterol in LDL [Moles/volume] in Serum or Plasma')], text: 'LDL cholesterol', unit: 'mmol/L', ucum: 'mmol/L' },
  fev1: { coding: [loinc('20150-9', 'FEV1')], text: 'FEV1', unit: 'L', ucum: 'L' },
  bmi: { coding: [loinc('39156-5', 'Body mass index (BMI) [Ratio]')], text: 'Body mass index', unit: 'kg/m2', ucum: 'kg/m2' },
  mmse: { coding: [loinc('72106-8', 'Total score [MMSE]')], text: 'MMSE total score', unit: '{score}', ucum: '{score}' },
} satisfies Record<string, Measure>;

export type MeasureName = keyof typeof MEASURES;

/** The measure as a CodeableConcept (without the unit fields). */
export function measureConcept(name: MeasureName): { coding: { system: string; code: string; display: string }[]; text: string } {
  const m = MEASURES[name];
  return { coding: m.coding, text: m.text };
}
