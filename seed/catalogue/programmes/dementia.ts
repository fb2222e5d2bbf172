import { activity, afterClarifying, SHARED, standardCourse, step } from '../activities.js';
import { ADULTS, CODE_TABLE, PATIENT_GROUP, PLANNED, SESSIONS_ASSUMPTION, STRATIFICATION_SOURCES, strata } from '../common.js';
import { commonIndicators, indicator, measured } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const education = activity(
  'education-session',
  'ServiceRequest',
  'municipality',
  'Pårørendekursus og undervisning om demens',
  'Education once a week for the person with dementia and the relatives: the disease, its course, everyday life and support.',
  [seed('004', 'introduction', 'weekly sessions with education about the disease'), assumption('relatives take part, as dementia courses in municipalities address them')],
);

const relatives = activity(
  'relatives-support',
  'ServiceRequest',
  'municipality',
  'Kontakt til kommunal demenskoordinator',
  'A municipal dementia coordinator is the contact for the patient and the relatives (advice, relatives groups).',
  [seed('002', '3.2 Formaliserede koordinatorfunktioner', 'many places have coordinator functions for e.g. dementia')],
);

const outpatient = activity(
  'outpatient-control',
  'ServiceRequest',
  'hospital',
  'Kontrol i hukommelsesklinik',
  'Follow-up at the hospital memory clinic, shared with the GP.',
  [seed('002', '3.4 Stratificering', 'the dementia programme of Region Hovedstaden weights disease complexity and stage')],
);

const annualControl = activity(
  'annual-control',
  'Task',
  'general-practice',
  'Årskontrol for demens',
  'Annual control by the tovholder: cognition, function, medication (including antipsychotics) and the situation of the relatives.',
  [seed('001', '3.4.3.3 Tovholderfunktion', 'the tovholder follows up systematically and proactively')],
);

export const dementia: ProgrammeSpec = {
  id: 'dementia',
  name: 'Dementia',
  title: 'Forløbsprogram for demens',
  description: 'Programme for adults with dementia, stratified mainly by the stage of the disease, with the relatives as part of the target group.',
  regions: 'Run in three regions and planned in one more (seed 000; the columns of the table are ambiguous in the source text).',
  patientGroup: {
    kind: 'diagnosis',
    inclusion: { description: 'dementia (F00–F03) or Alzheimer disease (G30)', icd10: ['F00', 'F01', 'F02', 'F03', 'G30'], icpc2: ['P70'], sources: [PATIENT_GROUP, CODE_TABLE] },
    minimumAge: ADULTS,
  },
  stratification: {
    description:
      'Dementia is stratified mainly by stage (severity mild / moderate / severe): a moderate or severe stage counts as low self-care ability; disease complexity (e.g. early onset, psychiatric comorbidity) as recorded or from multimorbidity.',
    lowSelfCare: "%selfCare ~ 'low' or %severity ~ 'moderate' or %severity ~ 'severe'",
    strata: strata([
      [afterClarifying(relatives)],
      [afterClarifying(relatives), step(SHARED.municipalSupport), step(SHARED.careCoordinatorAssessment, { sector: 'municipality' })],
      [step(outpatient), afterClarifying(relatives)],
      [step(outpatient), step(SHARED.appointCareCoordinator, { sector: 'municipality' }), step(SHARED.municipalSupport)],
    ]),
    sources: [
      ...STRATIFICATION_SOURCES,
      seed('002', '3.4 Stratificering', 'the dementia programme stratifies mainly by disease complexity and stage'),
      assumption('a moderate or severe stage counts as low self-care ability; the coordinator for dementia sits in the municipality'),
    ],
  },
  course: standardCourse({
    education,
    sessions: 5,
    sessionsSource: SESSIONS_ASSUMPTION(5, 'shorter sessions suit people with dementia and their relatives'),
    annualControl,
    description: 'The municipal course of seed 004 as a course for patient and relatives, and the annual control in general practice.',
  }),
  goals: [
    measured('mmse', 'Cognition (MMSE) assessed at diagnosis and at every annual control.', [assumption('MMSE as the measure of cognition')]),
    indicator('clinical', 'Share of people with dementia treated with antipsychotics (to be kept low).', [assumption('antipsychotic use as clinical indicator (not named in the seed documents)')]),
    indicator('patient-experienced', 'Relatives feel involved and supported.', [seed('003', 'Evaluering af initiativet', 'patients and relatives feel involved')]),
    ...commonIndicators(),
  ],
  sources: [
    seed('000', 'I. Udbredelse af forløbsprogrammer', 'dementia programmes run in three regions'),
    PLANNED('one more region'),
  ],
};
