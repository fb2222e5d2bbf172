import { activity, pyramidStratification, standardCourse } from '../activities.js';
import { ADULTS, CODE_TABLE, PATIENT_GROUP, RUN_BY_ALL_REGIONS, SESSIONS_ASSUMPTION } from '../common.js';
import { commonIndicators, indicator, measured, TARGET_ASSUMPTION } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Patientuddannelse: type 2-diabetes',
  'Group patient education once a week: the disease, medication, diet and exercise, and tools to manage daily life with diabetes.',
  [seed('004', 'introduction', 'weekly sessions with education about the disease, medication, diet and exercise')],
);

const nutrition = activity(
  'nutrition-counselling',
  'ServiceRequest',
  'municipality',
  'Kostvejledning',
  'Municipal nutrition counselling as part of the standard offers.',
  [seed('004', 'introduction, Figur 1', 'nutrition interventions among the municipal offers for people with a chronic disease')],
);

const outpatient = activity(
  'outpatient-control',
  'ServiceRequest',
  'hospital',
  'Kontrol i diabetesambulatorium',
  'Control at the hospital diabetes outpatient clinic, shared with the GP.',
  [seed('001', 'Modul: Stratificering, 4', 'in the diabetes programme multimorbidity can move follow-up to another setting')],
);

const annualControl = activity(
  'annual-control',
  'Task',
  'general-practice',
  'Årskontrol for type 2-diabetes',
  'Annual control by the tovholder: HbA1c, blood pressure, lipids, feet, eyes and kidneys, and the plan for the coming year.',
  [seed('001', '3.4.3.3 Tovholderfunktion', 'the tovholder follows up systematically and proactively')],
);

export const diabetesType2: ProgrammeSpec = {
  id: 'diabetes-type-2',
  name: 'DiabetesType2',
  title: 'Forløbsprogram for type 2-diabetes',
  description: 'Disease-management programme for adults with type 2 diabetes: shared care between general practice, municipality and hospital.',
  regions: 'Run in all five regions (seed 000, status mid 2012); with COPD and cardiovascular disease the most widespread programme.',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: { description: 'type 2 diabetes', icd10: ['E11'], icpc2: ['T90'], sources: [PATIENT_GROUP, CODE_TABLE] },
    exclusion: {
      description: 'type 1 diabetes (E10, T89) or diabetes in pregnancy (O24, gestational diabetes W85)',
      icd10: ['E10', 'O24'],
      icpc2: ['T89', 'W85'],
      sources: [CODE_TABLE],
    },
    minimumAge: ADULTS,
  },
  stratification: pyramidStratification(nutrition, outpatient),
  course: standardCourse({
    education,
    sessions: 6,
    sessionsSource: SESSIONS_ASSUMPTION(6, 'the middle of the range'),
    annualControl,
    description: 'The municipal course of seed 004 followed by the annual control in general practice.',
  }),
  goals: [
    measured('hba1c', 'HbA1c measured at every annual control; target at most 53 mmol/mol for most patients.', [TARGET_ASSUMPTION('HbA1c ≤ 53 mmol/mol')], { comparator: '<=', value: 53 }),
    measured('systolic', 'Systolic blood pressure below 130 mmHg.', [TARGET_ASSUMPTION('systolic blood pressure < 130 mmHg')], { comparator: '<', value: 130 }),
    measured('ldl', 'LDL cholesterol at most 2.5 mmol/L.', [TARGET_ASSUMPTION('LDL ≤ 2.5 mmol/L')], { comparator: '<=', value: 2.5 }),
    indicator('organisational', 'Share of enrolled patients with an annual control in the past 13 months.', [assumption('the annual-control rate as organisational indicator (the seed documents name none for diabetes)')]),
    ...commonIndicators(),
  ],
  sources: [RUN_BY_ALL_REGIONS, seed('002', '3.3 Status for implementering', 'implementation has come furthest for COPD and type 2 diabetes')],
};
