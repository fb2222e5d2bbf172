import { activity, pyramidStratification, standardCourse } from '../activities.js';
import { ADULTS, CODE_TABLE, PATIENT_GROUP, RUN_BY_ALL_REGIONS, SESSIONS_ASSUMPTION } from '../common.js';
import { commonIndicators, indicator } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Patientuddannelse: lænderygsmerter',
  'Group education once a week: understanding back pain, staying active, and managing pain in everyday life and at work.',
  [seed('004', 'introduction', 'weekly sessions with education and tools to manage the disease')],
);

const training = activity(
  'physical-training',
  'ServiceRequest',
  'municipality',
  'Træningsforløb for borgere med lænderygsmerter',
  'Supervised training to maintain or improve physical function.',
  [seed('004', 'introduction', 'the low back pain programme includes a training course')],
);

const outpatient = activity(
  'outpatient-control',
  'ServiceRequest',
  'hospital',
  'Udredning i regionalt rygcenter',
  'Assessment at the regional spine centre (hospital outpatient), shared with the GP.',
  [seed('001', 'Modul: Stratificering, 4', 'the most complex patients are treated with the hospitals involved')],
);

export const lowBackPain: ProgrammeSpec = {
  id: 'low-back-pain',
  name: 'LowBackPain',
  title: 'Forløbsprogram for lænderygsmerter',
  description: 'Programme for adults with persistent low back pain without a specific serious cause.',
  regions: 'Run in all five regions (seed 000, status mid 2012).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: {
      description: 'low back pain: lumbago and sciatica (M54.3, M54.4, M54.5), disc disorders (M51); ICPC-2 L03, L84, L86',
      icd10: ['M54.3', 'M54.4', 'M54.5', 'M51'],
      icpc2: ['L03', 'L84', 'L86'],
      sources: [
        PATIENT_GROUP,
        CODE_TABLE,
        assumption('M54 is narrowed to its lumbar subcodes M54.3–M54.5, since M54 also covers neck and thoracic pain'),
      ],
    },
    exclusion: {
      description: 'a specific serious cause needing specialist care: cauda equina syndrome (G83.4), lumbar fracture (S32.0), ankylosing spondylitis (M45), spinal infection (M46.2–M46.5), bone metastasis (C79.5); malignant neoplasm of the musculoskeletal system (ICPC-2 L71)',
      icd10: ['G83.4', 'S32.0', 'M45', 'M46.2', 'M46.3', 'M46.4', 'M46.5', 'C79.5'],
      icpc2: ['L71'],
      sources: [assumption('the "red flag" causes of back pain exclude from the unspecific back pain programme (the seed documents name no exclusions)')],
    },
    minimumAge: ADULTS,
  },
  stratification: pyramidStratification(training, outpatient),
  course: standardCourse({
    education,
    sessions: 6,
    sessionsSource: SESSIONS_ASSUMPTION(6, 'the middle of the range'),
    description: 'The municipal course of seed 004 with the training course as a stratum offer; no annual control (back pain is followed up in the course).',
  }),
  goals: [
    indicator('clinical', 'Pain and function measured before and after the course (effect measurement).', [seed('004', 'Effektmåling', 'measurements before and after the course')]),
    indicator('organisational', 'Share of patients still at work or back at work three months after the course.', [assumption('work retention as organisational indicator (not named in the seed documents)')]),
    ...commonIndicators(),
  ],
  sources: [RUN_BY_ALL_REGIONS, assumption('no annual control: low back pain is followed up within the course rather than by a yearly control')],
};
