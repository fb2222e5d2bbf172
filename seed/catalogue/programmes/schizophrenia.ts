import { activity, afterClarifying, SHARED, standardCourse, step } from '../activities.js';
import { ADULTS, CODE_TABLE, GENERIC_STRATIFICATION, PATIENT_GROUP, SESSIONS_ASSUMPTION, STRATIFICATION_SOURCES, strata } from '../common.js';
import { commonIndicators, indicator, measured } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const education = activity(
  'education-session',
  'ServiceRequest',
  'hospital',
  'Psykoedukation: skizofreni',
  'Psychoeducation in groups once a week: the illness, medication, early signs of relapse and everyday life.',
  [seed('004', 'introduction', 'weekly sessions with education about the disease and medication'), assumption('psychoeducation is given by regional psychiatry (hospital sector)')],
);

const relatives = activity(
  'relatives-support',
  'ServiceRequest',
  'hospital',
  'Psykoedukation for pårørende',
  'Family psychoeducation for the relatives.',
  [assumption('relatives are offered psychoeducation alongside the patient')],
);

const outpatient = activity(
  'outpatient-control',
  'ServiceRequest',
  'hospital',
  'Behandling i distriktspsykiatrien',
  'Treatment and follow-up in regional outpatient psychiatry, shared with the GP.',
  [seed('001', 'Modul: Stratificering, 4', 'for some programmes the weighting between sectors differs from the pyramid')],
);

const annualControl = activity(
  'annual-control',
  'Task',
  'general-practice',
  'Årlig somatisk helbredsundersøgelse',
  'Annual somatic health check by the tovholder: weight, blood pressure, blood glucose and lipids (metabolic side effects), smoking.',
  [seed('001', '3.4.3.3 Tovholderfunktion', 'the tovholder assesses health continuously, including early detection of further disease')],
);

export const schizophrenia: ProgrammeSpec = {
  id: 'schizophrenia',
  name: 'Schizophrenia',
  title: 'Forløbsprogram for skizofreni',
  description: 'Programme for adults with schizophrenia: psychiatric treatment in the region, social-psychiatric support in the municipality, somatic health in general practice.',
  regions: 'Run in two regions (seed 000, status mid 2012).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: { description: 'schizophrenia', icd10: ['F20'], icpc2: ['P72'], sources: [PATIENT_GROUP, CODE_TABLE] },
    minimumAge: ADULTS,
  },
  stratification: {
    description: GENERIC_STRATIFICATION,
    strata: strata(
      [
        [afterClarifying(relatives)],
        [afterClarifying(relatives), step(SHARED.municipalSupport), step(SHARED.careCoordinatorAssessment, { sector: 'municipality' })],
        [step(outpatient)],
        [step(outpatient), step(SHARED.appointCareCoordinator), step(SHARED.municipalSupport)],
      ],
      ['', 'Municipal support here is social-psychiatric support (bostøtte).', '', 'The care coordinator is a case manager in regional psychiatry.'],
    ),
    sources: [...STRATIFICATION_SOURCES, assumption('municipal support is social-psychiatric; the coordinator in stratum 4 is a psychiatric case manager')],
  },
  course: standardCourse({
    education,
    sessions: 7,
    sessionsSource: SESSIONS_ASSUMPTION(7, 'psychoeducation courses are long'),
    annualControl,
    description: 'Psychoeducation in the frame of seed 004 (clarifying, weekly sessions, closing, follow-up) and the annual somatic health check.',
  }),
  goals: [
    measured('bmi', 'Weight (BMI) checked at every annual somatic health check.', [assumption('metabolic monitoring as clinical indicator')]),
    indicator('organisational', 'Readmissions within 30 days of discharge from psychiatric ward.', [assumption('30-day readmission as organisational indicator (not named in the seed documents)')]),
    ...commonIndicators(),
  ],
  sources: [seed('000', 'I. Udbredelse af forløbsprogrammer', 'schizophrenia programmes run in two regions')],
};
