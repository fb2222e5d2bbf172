import { activity, afterClarifying, SHARED, standardCourse, step } from '../activities.js';
import { ADULTS, CODE_TABLE, PATIENT_GROUP, RUN_BY_ALL_REGIONS, SESSIONS_ASSUMPTION, STRATIFICATION_SOURCES, strata } from '../common.js';
import { commonIndicators, indicator, measured } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Patientuddannelse: KOL',
  'Group patient education once a week: the disease, inhalation medicine, breathing techniques, diet and smoking cessation.',
  [seed('004', 'introduction', 'weekly sessions; a COPD citizen may first want a COPD choir or smoking-cessation course')],
);

const training = activity(
  'physical-training',
  'ServiceRequest',
  'municipality',
  'Træningsforløb for borgere med KOL',
  'Supervised physical training to maintain or improve physical function despite the disease.',
  [seed('004', 'introduction', 'the COPD programme includes a training course')],
);

const outpatient = activity(
  'outpatient-control',
  'ServiceRequest',
  'hospital',
  'Kontrol i lungemedicinsk ambulatorium',
  'Control at the hospital pulmonary outpatient clinic, shared with the GP.',
  [seed('001', 'Modul: Stratificering, 4', 'the most complex patients are treated with the hospitals involved')],
);

const exacerbationPlan = activity(
  'exacerbation-plan',
  'Task',
  'general-practice',
  'Handleplan ved forværring (exacerbation)',
  'A written plan for what the patient does at an exacerbation, and reassessment of the stratum afterwards.',
  [seed('001', 'Modul: Stratificering, 3', 'the assessment is repeated after an acute episode such as a COPD exacerbation')],
);

const annualControl = activity(
  'annual-control',
  'Task',
  'general-practice',
  'Årskontrol for KOL',
  'Annual control by the tovholder: spirometry (FEV1), dyspnoea, smoking, inhaler technique, exacerbations and the plan for the coming year.',
  [seed('001', '3.4.3.3 Tovholderfunktion', 'the tovholder follows up systematically and proactively')],
);

const severe = "%severity ~ 'severe'";

export const copd: ProgrammeSpec = {
  id: 'copd',
  name: 'Copd',
  title: 'Forløbsprogram for KOL (kronisk obstruktiv lungesygdom)',
  description: 'Disease-management programme for adults with chronic obstructive pulmonary disease (COPD, Danish KOL), stratified by severity as well as complexity and self-care.',
  regions: 'Run in all five regions (seed 000, status mid 2012).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: { description: 'COPD or emphysema', icd10: ['J44', 'J43'], icpc2: ['R95'], sources: [PATIENT_GROUP, CODE_TABLE] },
    minimumAge: ADULTS,
  },
  stratification: {
    description: 'COPD is stratified by severity (mild / moderate / severe) as well as by complexity and self-care: severe COPD counts as high complexity.',
    highComplexity: `%complexity ~ 'high' or ${severe}`,
    strata: strata(
      [
        [afterClarifying(training)],
        [afterClarifying(training), step(SHARED.municipalSupport), step(SHARED.careCoordinatorAssessment)],
        [step(outpatient), step(exacerbationPlan)],
        [step(outpatient), step(exacerbationPlan, { sector: 'hospital' }), step(SHARED.appointCareCoordinator), step(SHARED.municipalSupport)],
      ],
      ['', '', 'Severe COPD lands here or in stratum 4.', ''],
    ),
    sources: [
      ...STRATIFICATION_SOURCES,
      seed('002', '3.4 Stratificering', 'COPD uses the division severe / moderate / mild'),
      assumption('severe COPD counts as high disease complexity'),
    ],
  },
  course: standardCourse({
    education,
    sessions: 7,
    sessionsSource: SESSIONS_ASSUMPTION(7, 'education runs alongside the training course'),
    annualControl,
    description: 'The municipal course of seed 004 (with the training course as a stratum offer) and the annual control in general practice.',
  }),
  goals: [
    measured('fev1', 'Spirometry (FEV1) at diagnosis and at every annual control.', [assumption('annual spirometry as clinical process indicator')]),
    indicator('clinical', 'Share of smokers offered smoking cessation at the annual control.', [seed('004', 'Afklarende samtale', 'smoking-cessation course as an offer to COPD citizens')]),
    indicator('organisational', 'Admissions for COPD exacerbation per 1,000 enrolled patients per year.', [assumption('exacerbation admissions as organisational indicator (not named in the seed documents)')]),
    ...commonIndicators(),
  ],
  sources: [RUN_BY_ALL_REGIONS, seed('002', '3.3 Status for implementering', 'implementation has come furthest for COPD and type 2 diabetes')],
};
