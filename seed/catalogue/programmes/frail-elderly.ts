import { SHARED, step } from '../activities.js';
import { GENERIC_STRATIFICATION, STRATIFICATION_SOURCES, STRATUM_TITLES } from '../common.js';
import {
  FRAIL_ELDERLY_GROUP_SOURCES,
  FRAIL_ELDERLY_INPUT,
  frailElderlyConditions,
  frailElderlyValueSets,
} from '../frail-elderly-parameters.js';
import { indicator } from '../goals.js';
import { assumption, seed } from '../sources.js';
import type { ProgrammeSpec } from '../types.js';

const QUALITY = (what: string) => seed('003', 'Evaluering af initiativet (kvalitetsparametre)', what);
const municipalCoordinator = step(SHARED.appointCareCoordinator, { sector: 'municipality' });
const jointCoordinator = step(SHARED.appointCareCoordinator, { sector: 'hospital' });
const homeVisit = step(SHARED.followUpHomeVisit, { after: { step: 'clarifying-conversation' } });

export const frailElderly: ProgrammeSpec = {
  id: 'frail-elderly',
  name: 'FrailElderly',
  title: 'Fælles forløbskoordination for særligt svækkede ældre medicinske patienter',
  description:
    'Joint region–municipality care coordination for particularly frail elderly medical patients: intensified, personal support across admission, discharge and the return home. Not diagnosis-based: patients are included on health, organisational and social parameters or by professional judgement.',
  regions: 'A national initiative: joint coordinator functions in all five regions with their municipalities from spring 2013 (seed 003).',
  patientGroup: {
    kind: 'custom',
    input: FRAIL_ELDERLY_INPUT,
    conditions: frailElderlyConditions(),
    valueSets: frailElderlyValueSets(),
    sources: FRAIL_ELDERLY_GROUP_SOURCES,
  },
  stratification: {
    description: `${GENERIC_STRATIFICATION} Every patient gets a care coordinator; the stratum decides whether coordination sits in the municipality or jointly with the hospital.`,
    strata: [
      { title: STRATUM_TITLES[0], description: 'The GP stays tovholder; a municipal care coordinator coordinates; follow-up home visit.', offers: [municipalCoordinator, homeVisit] },
      {
        title: STRATUM_TITLES[1],
        description: 'The GP stays tovholder; a municipal care coordinator coordinates; follow-up home visit and municipal support.',
        offers: [municipalCoordinator, homeVisit, step(SHARED.municipalSupport)],
      },
      {
        title: STRATUM_TITLES[2],
        description: 'A coordinator of the joint region–municipality function supports admission and discharge; joint discharge plan; follow-up home visit.',
        offers: [jointCoordinator, step(SHARED.dischargeCoordination), homeVisit],
      },
      {
        title: STRATUM_TITLES[3],
        description: 'The joint coordinator leads; joint discharge plan; follow-up home visit and municipal support.',
        offers: [jointCoordinator, step(SHARED.dischargeCoordination), homeVisit, step(SHARED.municipalSupport)],
      },
    ],
    sources: [
      ...STRATIFICATION_SOURCES,
      seed('003', 'Organisering af fælles forløbskoordinatorfunktioner', 'coordination is offered for particularly complex courses; support at admission and discharge'),
      assumption('the coordinator sits in the municipality at low complexity and in the joint function (hospital) at high complexity'),
    ],
  },
  course: {
    description: 'A coordination course in the frame of seed 004: clarifying conversation with patient and relatives, medication review, closing conversation, follow-up about three months later. No education sessions and no annual control: coordination is time-limited.',
    steps: [
      step(SHARED.clarifyingConversation),
      step(SHARED.medicationReview, { after: { step: 'clarifying-conversation' } }),
      step(SHARED.closingConversation, { after: { step: 'medication-review', offset: { value: 4, unit: 'wk' } } }),
      step(SHARED.followUpConversation, { after: { step: 'closing-conversation', offset: { value: 3, unit: 'mo' } } }),
    ],
    sources: [
      seed('004', 'Borgeren følges tæt i forløbet', 'clarifying, closing and follow-up conversations'),
      seed('003', 'introduction', 'patients and relatives feel involved; handover between professionals and sectors'),
      seed('001', '3.4.4 Forløbskoordinering', 'coordination is offered for a limited period'),
      assumption('the closing conversation about four weeks after the medication review'),
    ],
  },
  goals: [
    indicator('organisational', 'Relevant and timely information exchanged between municipality and hospital at admission (MedCom admission report).', [QUALITY('information at admission')]),
    indicator('organisational', 'A joint plan for the discharge is made.', [QUALITY('joint discharge plan')]),
    indicator('organisational', 'A care-course plan is made at the hospital before discharge.', [QUALITY('care-course plan before discharge')]),
    indicator('organisational', 'The municipality is notified that the patient is ready for discharge within the agreed deadlines.', [QUALITY('notice of completed treatment within agreed deadlines')]),
    indicator('organisational', 'Relevant and timely information exchanged at discharge (MedCom discharge report).', [QUALITY('information at discharge')]),
    indicator('organisational', 'The discharge letter (epicrisis) reaches general practice on time.', [QUALITY('discharge letter to general practice on time')]),
    indicator('organisational', 'Number of coordination courses (national target: 10,000 a year).', [seed('003', 'Økonomi', '10,000 concrete coordination courses a year')]),
    indicator('patient-experienced', 'Patients and relatives feel involved.', [seed('003', 'Evaluering af initiativet', 'patients and relatives feel involved')]),
  ],
  sources: [seed('003', 'introduction', 'purpose, target group, organisation, quality parameters and evaluation of the initiative')],
};
