import { activity, afterClarifying, SHARED, standardCourse, step } from '../activities.js';
import { ADULTS, CODE_TABLE, GENERIC_STRATIFICATION, PATIENT_GROUP, PLANNED, SESSIONS_ASSUMPTION, STRATIFICATION_SOURCES, strata } from '../common.js';
import { range } from '../build-valuesets.js';
import { commonIndicators, indicator } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const REHAB = seed('001', 'Modul: Rehabilitering og palliation', 'rehabilitation starts from functional ability (ICF), not the diagnosis; a cross-sector plan where several efforts must be coordinated');

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Undervisning: livet med erhvervet hjerneskade',
  'Sessions once a week for the patient and relatives: consequences of the brain injury, fatigue, cognition and everyday life.',
  [seed('004', 'introduction', 'weekly sessions with education and tools to manage the disease'), REHAB],
);

const training = activity(
  'physical-training',
  'ServiceRequest',
  'municipality',
  'Kommunal genoptræning',
  'Municipal rehabilitation training.',
  [REHAB],
);

const rehabilitationPlan = activity(
  'rehabilitation-plan',
  'Task',
  'hospital',
  'Genoptræningsplan',
  'A rehabilitation plan made by the hospital at discharge, sent to the municipality and the GP.',
  [REHAB, assumption('the hospital makes the plan at discharge (Danish practice; the seed documents only call for a joint plan)')],
);

const specialisedRehab = activity(
  'specialised-rehabilitation',
  'ServiceRequest',
  'hospital',
  'Specialiseret neurorehabilitering',
  'Specialised neurorehabilitation at the hospital.',
  [REHAB, assumption('specialised rehabilitation is a hospital offer for high disease complexity')],
);

const annualControl = activity(
  'annual-control',
  'Task',
  'general-practice',
  'Årlig opfølgning efter erhvervet hjerneskade',
  'Annual follow-up by the tovholder: secondary prevention (blood pressure, lipids, antithrombotic treatment), function, mood and work.',
  [seed('001', '3.4.3.3 Tovholderfunktion', 'the tovholder follows up systematically and proactively')],
);

export const acquiredBrainInjury: ProgrammeSpec = {
  id: 'acquired-brain-injury',
  name: 'AcquiredBrainInjury',
  title: 'Forløbsprogram for rehabilitering af voksne med erhvervet hjerneskade',
  description: 'Rehabilitation programme for adults with acquired brain injury after stroke or head injury.',
  regions: 'Planned by four regions (seed 000, status mid 2012).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: {
      description: 'cerebrovascular disease (I60–I69) or intracranial injury (S06); ICPC-2 stroke (K90), concussion (N79), other head injury (N80)',
      icd10: [...range('I', 60, 69), 'S06'],
      icpc2: ['K90', 'N79', 'N80'],
      sources: [PATIENT_GROUP, CODE_TABLE],
    },
    minimumAge: ADULTS,
  },
  stratification: {
    description: `${GENERIC_STRATIFICATION} Self-care ability here is the functional level after the injury.`,
    strata: strata([
      [afterClarifying(training)],
      [afterClarifying(training), step(SHARED.municipalSupport), step(SHARED.careCoordinatorAssessment, { sector: 'municipality' })],
      [step(rehabilitationPlan), step(specialisedRehab)],
      [step(rehabilitationPlan), step(specialisedRehab), step(SHARED.appointCareCoordinator), step(SHARED.municipalSupport)],
    ]),
    sources: [...STRATIFICATION_SOURCES, REHAB, seed('001', 'Modul: Stratificering, 2', 'for rehabilitation, functional ability rather than diagnosis decides')],
  },
  course: standardCourse({
    education,
    sessions: 6,
    sessionsSource: SESSIONS_ASSUMPTION(6, 'the middle of the range'),
    annualControl,
    description: 'The municipal course of seed 004 for patient and relatives and the annual follow-up in general practice.',
  }),
  goals: [
    indicator('organisational', 'Share of discharged patients with a rehabilitation plan sent to the municipality on the day of discharge.', [
      REHAB,
      assumption('the rehabilitation-plan rate as organisational indicator'),
    ]),
    indicator('clinical', 'Functional level assessed at discharge and at the closing conversation.', [REHAB, seed('004', 'Effektmåling', 'measurements before and after the course')]),
    ...commonIndicators(),
  ],
  sources: [PLANNED('four regions')],
};
