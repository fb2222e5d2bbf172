import { activity, pyramidStratification, standardCourse } from '../activities.js';
import { ADULTS, CODE_TABLE, PATIENT_GROUP, RUN_BY_ALL_REGIONS, SESSIONS_ASSUMPTION } from '../common.js';
import { range } from '../build-valuesets.js';
import { commonIndicators, indicator, measured, TARGET_ASSUMPTION } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Patientuddannelse: hjerte-kar-sygdom',
  'Group patient education once a week: the disease, medication, diet, exercise and living with heart disease.',
  [seed('004', 'introduction', 'weekly sessions with education about the disease, medication, diet and exercise')],
);

const training = activity(
  'physical-training',
  'ServiceRequest',
  'municipality',
  'Hjertetræning',
  'Supervised physical training (cardiac rehabilitation) to maintain or improve physical function.',
  [seed('004', 'introduction', 'the cardiovascular programme includes a training course')],
);

const outpatient = activity(
  'outpatient-control',
  'ServiceRequest',
  'hospital',
  'Kontrol i hjerteambulatorium',
  'Control at the hospital cardiology outpatient clinic (e.g. heart-failure clinic), shared with the GP.',
  [seed('001', 'Modul: Stratificering, 4', 'the most complex patients are treated with the hospitals involved')],
);

const annualControl = activity(
  'annual-control',
  'Task',
  'general-practice',
  'Årskontrol for hjerte-kar-sygdom',
  'Annual control by the tovholder: blood pressure, lipids, symptoms, medication and lifestyle.',
  [seed('001', '3.4.3.3 Tovholderfunktion', 'the tovholder follows up systematically and proactively')],
);

export const cardiovascular: ProgrammeSpec = {
  id: 'cardiovascular',
  name: 'Cardiovascular',
  title: 'Forløbsprogram for hjerte-kar-sygdom',
  description: 'Disease-management programme for adults with ischaemic heart disease or heart failure.',
  regions: 'Run in all five regions (seed 000, status mid 2012).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: {
      description: 'ischaemic heart disease (I20–I25) or heart failure (I50)',
      icd10: [...range('I', 20, 25), 'I50'],
      icpc2: ['K74', 'K75', 'K76', 'K77'],
      sources: [PATIENT_GROUP, CODE_TABLE],
    },
    minimumAge: ADULTS,
  },
  stratification: pyramidStratification(training, outpatient, [seed('001', 'Modul: Multisygdom, 1', 'diabetes and cardiovascular disease are a frequent combination')]),
  course: standardCourse({
    education,
    sessions: 6,
    sessionsSource: SESSIONS_ASSUMPTION(6, 'the middle of the range'),
    annualControl,
    description: 'The municipal course of seed 004 (with cardiac training as a stratum offer) and the annual control in general practice.',
  }),
  goals: [
    measured('systolic', 'Systolic blood pressure below 140 mmHg.', [TARGET_ASSUMPTION('systolic blood pressure < 140 mmHg')], { comparator: '<', value: 140 }),
    measured('ldl', 'LDL cholesterol below 1.8 mmol/L for ischaemic heart disease.', [TARGET_ASSUMPTION('LDL < 1.8 mmol/L')], { comparator: '<', value: 1.8 }),
    indicator('organisational', 'Share of patients offered cardiac rehabilitation (training) within three months of diagnosis.', [
      assumption('the rehabilitation-offer rate as organisational indicator (not named in the seed documents)'),
    ]),
    ...commonIndicators(),
  ],
  sources: [RUN_BY_ALL_REGIONS],
};
