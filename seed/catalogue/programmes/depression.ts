import { activity, pyramidStratification, standardCourse } from '../activities.js';
import { ADULTS, CODE_TABLE, PATIENT_GROUP, PLANNED, SESSIONS_ASSUMPTION } from '../common.js';
import { commonIndicators, indicator } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Kursus: lær at tackle angst og depression',
  'Group course once a week: understanding depression, managing symptoms, and everyday life.',
  [seed('004', 'introduction', 'weekly sessions giving tools to manage the disease'), seed('001', '3.3.3.1 Patientuddannelse', 'patient education as support for self-care')],
);

const training = activity(
  'physical-training',
  'ServiceRequest',
  'municipality',
  'Motion mod depression',
  'Supervised physical activity in groups.',
  [assumption('physical activity is a standard municipal offer for depression')],
);

const outpatient = activity(
  'outpatient-control',
  'ServiceRequest',
  'hospital',
  'Behandling i psykiatrisk ambulatorium',
  'Treatment in regional outpatient psychiatry, shared with the GP.',
  [seed('001', 'Modul: Stratificering, 4', 'the most complex patients are treated with the hospitals involved')],
);

const annualControl = activity(
  'annual-control',
  'Task',
  'general-practice',
  'Opfølgning på depression',
  'Follow-up by the tovholder: symptoms (MDI), medication, relapse prevention and work.',
  [seed('001', '3.4.3.3 Tovholderfunktion', 'the tovholder follows up systematically and proactively')],
);

export const depression: ProgrammeSpec = {
  id: 'depression',
  name: 'Depression',
  title: 'Forløbsprogram for depression',
  description: 'Programme for adults with unipolar depression: treatment in general practice, municipal offers, psychiatry for the complex cases.',
  regions: 'Planned by two regions (seed 000, status mid 2012).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: { description: 'depressive episode (F32) or recurrent depressive disorder (F33)', icd10: ['F32', 'F33'], icpc2: ['P76'], sources: [PATIENT_GROUP, CODE_TABLE] },
    exclusion: {
      description: 'bipolar affective disorder (F31; ICPC-2 P73 affective psychosis)',
      icd10: ['F31'],
      icpc2: ['P73'],
      sources: [assumption('bipolar disorder is treated in psychiatry, not in the unipolar depression programme (the seed documents name no exclusions)')],
    },
    minimumAge: ADULTS,
  },
  stratification: pyramidStratification(training, outpatient),
  course: standardCourse({
    education,
    sessions: 6,
    sessionsSource: SESSIONS_ASSUMPTION(6, 'the middle of the range'),
    annualControl,
    description: 'The municipal course of seed 004 and the yearly follow-up in general practice.',
  }),
  goals: [
    {
      aspect: 'clinical',
      description: 'Depression severity measured with the Major Depression Inventory (MDI) at start, at the closing conversation and at follow-up.',
      target: { measure: { text: 'Major Depression Inventory (MDI) score' } },
      sources: [seed('004', 'Effektmåling', 'measurements before and after the course'), assumption('MDI, the scale used in Danish general practice (no LOINC code is given)')],
    },
    indicator('organisational', 'Share of patients followed up within six weeks after starting antidepressant treatment.', [
      assumption('early follow-up as organisational indicator (not named in the seed documents)'),
    ]),
    ...commonIndicators(),
  ],
  sources: [PLANNED('two regions'), seed('001', 'Modul: Multisygdom, 1', 'patients with multimorbidity often have a mental illness such as depression')],
};
