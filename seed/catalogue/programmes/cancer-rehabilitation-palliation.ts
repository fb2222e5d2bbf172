import { activity, afterClarifying, SHARED, standardCourse, step } from '../activities.js';
import { ADULTS, CODE_TABLE, GENERIC_STRATIFICATION, PATIENT_GROUP, PLANNED, SESSIONS_ASSUMPTION, STRATIFICATION_SOURCES, strata } from '../common.js';
import { range } from '../build-valuesets.js';
import { commonIndicators, indicator } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const REHAB = seed('001', 'Modul: Rehabilitering og palliation', 'rehabilitation and palliation overlap in time and content; basic and specialised efforts');

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Rehabiliteringsforløb efter kræft: undervisning',
  'Group sessions once a week: living with and after cancer, fatigue, diet, work and existential questions.',
  [seed('004', 'introduction', 'weekly sessions; the cancer programme also offers training'), REHAB],
);

const training = activity(
  'physical-training',
  'ServiceRequest',
  'municipality',
  'Træning efter kræft',
  'Supervised physical training as part of basic rehabilitation.',
  [seed('004', 'introduction', 'the cancer programme includes a training course')],
);

const specialisedRehab = activity(
  'specialised-rehabilitation',
  'ServiceRequest',
  'hospital',
  'Specialiseret rehabilitering',
  'Specialised rehabilitation at the hospital for complex needs.',
  [REHAB, assumption('specialised rehabilitation is a hospital offer for high disease complexity')],
);

const specialisedPalliation = activity(
  'specialised-palliation',
  'ServiceRequest',
  'hospital',
  'Specialiseret palliation',
  'Specialised palliative care (palliative team or hospice) for complex symptoms and needs.',
  [REHAB, assumption('specialised palliation is a hospital offer for high complexity with low self-care')],
);

const ICPC2_MALIGNANT = ['A79', 'B72', 'B73', 'B74', 'D74', 'D75', 'D76', 'D77', 'L71', 'N74', 'R84', 'R85', 'S77', 'T71', 'U75', 'U76', 'U77', 'W72', 'X75', 'X76', 'X77', 'Y77', 'Y78'];
/** C00–C97 code by code; the numbers WHO ICD-10 leaves unused are skipped. */
const ICD10_MALIGNANT = range('C', 0, 97, [27, 28, 29, 35, 36, 42, 59, 87, 89]);

export const cancerRehabilitationPalliation: ProgrammeSpec = {
  id: 'cancer-rehabilitation-palliation',
  name: 'CancerRehabilitationPalliation',
  title: 'Forløbsprogram for rehabilitering og palliation i forbindelse med kræft',
  description: 'Programme for rehabilitation and palliation of adults with cancer, from diagnosis through treatment to life after cancer or the end of life.',
  regions: 'Planned by four regions (seed 000, status mid 2012).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: {
      description: 'malignant neoplasm (C00–C97; the malignant-neoplasm codes of each ICPC-2 chapter)',
      icd10: ICD10_MALIGNANT,
      icpc2: ICPC2_MALIGNANT,
      sources: [
        PATIENT_GROUP,
        CODE_TABLE,
        assumption('ICPC-2 codes for neoplasms that may be benign (e.g. F74, H75, K72) are left out; A79 (malignancy NOS) is included'),
      ],
    },
    minimumAge: ADULTS,
  },
  stratification: {
    description: `${GENERIC_STRATIFICATION} Basic rehabilitation and palliation lie with municipality and GP; specialised efforts with the hospital.`,
    strata: strata([
      [afterClarifying(training)],
      [afterClarifying(training), step(SHARED.municipalSupport), step(SHARED.careCoordinatorAssessment)],
      [step(specialisedRehab)],
      [step(specialisedPalliation), step(SHARED.appointCareCoordinator), step(SHARED.municipalSupport)],
    ]),
    sources: [...STRATIFICATION_SOURCES, REHAB],
  },
  course: standardCourse({
    education,
    sessions: 6,
    sessionsSource: SESSIONS_ASSUMPTION(6, 'the middle of the range'),
    description: 'The municipal rehabilitation course of seed 004 (the clarifying conversation is the needs assessment); no annual control — cancer follow-up belongs to the hospital\'s control programme.',
  }),
  goals: [
    indicator('organisational', 'Share of patients with a documented assessment of rehabilitation and palliation needs at diagnosis and at the end of treatment.', [
      REHAB,
      assumption('the needs-assessment rate as organisational indicator'),
    ]),
    indicator('patient-experienced', 'Quality of life and function reported by the patient before and after the course.', [seed('004', 'Effektmåling', 'measurements before and after the course')]),
    ...commonIndicators(),
  ],
  sources: [PLANNED('four regions'), REHAB, assumption('no annual control in this programme')],
};
