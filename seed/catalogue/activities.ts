import type { Sector } from '../../src/programmes/model.js';
import { assumption, seed, type Source } from './sources.js';
import { GENERIC_STRATIFICATION, STRATIFICATION_SOURCES, strata } from './common.js';
import type { ActionSpec, ActivitySpec, CourseSpec, StratificationSpec } from './types.js';

/*
 * Activities: the shared ones (one ActivityDefinition each, no programme prefix) and the helpers programme
 * files use for their own. The municipal course of seed 004 — clarifying conversation, weekly sessions,
 * closing conversation, follow-up conversation about three months later — is the common frame; the GP's
 * annual control is added where the programme has one.
 */

export function activity(
  code: string,
  kind: ActivitySpec['kind'],
  sector: Sector,
  title: string,
  description: string,
  sources: Source[],
): ActivitySpec {
  return { code, kind, sector, title, description, sources };
}

const shared = (spec: ActivitySpec): ActivitySpec => ({ ...spec, shared: true });

const FROM_004 = (what: string) => seed('004', 'Afklarende / Afsluttende / Opfølgende samtale', what);

export const SHARED = {
  clarifyingConversation: shared(
    activity(
      'clarifying-conversation',
      'Task',
      'municipality',
      'Afklarende samtale',
      "The entry to the municipality's health offers: the citizen's goals, resources, barriers, motivation, everyday life and network are discussed, and the course is planned together.",
      [FROM_004('purpose and content of the clarifying conversation')],
    ),
  ),
  closingConversation: shared(
    activity(
      'closing-conversation',
      'Task',
      'municipality',
      'Afsluttende samtale',
      'After the sessions: the goals the citizen set are reviewed, results are consolidated and new health needs are uncovered.',
      [FROM_004('purpose of the closing conversation')],
    ),
  ),
  followUpConversation: shared(
    activity(
      'follow-up-conversation',
      'Task',
      'municipality',
      'Opfølgende samtale',
      'About three months after the course: is the citizen still motivated and keeping the change, and have new needs arisen?',
      [FROM_004('the follow-up conversation about three months after the course')],
    ),
  ),
  appointCareCoordinator: shared(
    activity(
      'appoint-care-coordinator',
      'Task',
      'hospital',
      'Tildeling af forløbskoordinator',
      'Allocate a care coordinator (forløbskoordinator): an extra, time-limited service for patients with complex needs or low self-care, not the same as the tovholder.',
      [
        seed('001', '3.4.4 Forløbskoordinering', 'care coordination as intensified, personal support for a smaller group'),
        seed('002', '3.2 and 3.4', 'care coordination is a visited service for the weakest; coordinator and tovholder are distinct'),
      ],
    ),
  ),
  careCoordinatorAssessment: shared(
    activity(
      'care-coordinator-assessment',
      'Task',
      'general-practice',
      'Vurdering af behov for forløbskoordinator',
      'The tovholder assesses whether the patient needs a care coordinator (low self-care with low disease complexity).',
      [seed('002', '3.4 Stratificering', 'the need for coordination follows self-care ability and disease complexity')],
    ),
  ),
  municipalSupport: shared(
    activity(
      'municipal-support',
      'ServiceRequest',
      'municipality',
      'Kommunal støtte',
      'Municipal support visited on self-care ability (home nursing, practical help, support in everyday life) alongside the programme.',
      [seed('002', '3.4 Stratificering', 'municipalities stratify on self-care ability when they visit services')],
    ),
  ),
  medicationReview: shared(
    activity(
      'medication-review',
      'Task',
      'general-practice',
      'Medicingennemgang',
      'Review of the medication after changes, especially with polypharmacy.',
      [
        seed('003', 'Målgruppe', 'need for follow-up on medication changes, e.g. polypharmacy'),
        seed('001', 'Modul: Multisygdom, 3', 'polypharmacy needs attention from every sector'),
      ],
    ),
  ),
  dischargeCoordination: shared(
    activity(
      'discharge-coordination',
      'Task',
      'hospital',
      'Fælles udskrivningsplan og plejeforløbsplan',
      'A joint plan for the discharge and a care-course plan made at the hospital before discharge, with timely exchange of information with the municipality.',
      [seed('003', 'Evaluering af initiativet (kvalitetsparametre)', 'joint discharge plan and care-course plan before discharge')],
    ),
  ),
  followUpHomeVisit: shared(
    activity(
      'follow-up-home-visit',
      'ServiceRequest',
      'municipality',
      'Opfølgende hjemmebesøg',
      'A follow-up home visit after discharge, coordinated by the care-coordination function.',
      [seed('003', 'Organisering af fælles forløbskoordinatorfunktioner', 'follow-up home visits after discharge are anchored in the coordinator function')],
    ),
  ),
} as const;

/** A step or offer: the activity, with the sector that performs it here and its timing. */
export function step(activitySpec: ActivitySpec, options: Omit<ActionSpec, 'activity'> = {}): ActionSpec {
  return { activity: activitySpec, ...options };
}

/** An offer that starts once the clarifying conversation has ended (municipal offers follow it, seed 004). */
export function afterClarifying(activitySpec: ActivitySpec, sector?: Sector): ActionSpec {
  return { activity: activitySpec, ...(sector && { sector }), after: { step: 'clarifying-conversation' } };
}

/**
 * The standard course of seed 004: clarifying conversation → `sessions` weekly sessions → closing conversation
 * → follow-up conversation three months later; then the annual control (first one a year after the start).
 */
export function standardCourse(options: {
  education: ActivitySpec;
  sessions: number;
  sessionsSource: Source;
  annualControl?: ActivitySpec;
  description: string;
}): CourseSpec {
  const steps: ActionSpec[] = [
    step(SHARED.clarifyingConversation),
    step(options.education, { weeklySessions: options.sessions, after: { step: 'clarifying-conversation' } }),
    step(SHARED.closingConversation, { after: { step: 'education-session' } }),
    step(SHARED.followUpConversation, { after: { step: 'closing-conversation', offset: { value: 3, unit: 'mo' } } }),
  ];
  if (options.annualControl) {
    steps.push(step(options.annualControl, { yearly: true, after: { step: 'clarifying-conversation', fromStart: true, offset: { value: 1, unit: 'a' } } }));
  }
  return {
    description: options.description,
    steps,
    sources: [
      seed('004', 'Borgeren følges tæt i forløbet', 'clarifying conversation, sessions once a week for 5–7 weeks, closing conversation, follow-up about three months later'),
      options.sessionsSource,
      ...(options.annualControl
        ? [
            seed('001', '3.3 Faglige indsatser (II)', 'follow-up/regular control is one of the interventions of every programme'),
            assumption('the regular control is an annual control by the tovholder (general practice), its first one year after enrolment'),
          ]
        : []),
    ],
  };
}

/**
 * The generic two-dimensional pyramid (DOMAIN table) as most diagnosis programmes offer it: a municipal offer
 * after the clarifying conversation (stratum 1), plus municipal support and a coordinator assessment (2), the
 * hospital offer (3), plus an allocated care coordinator and municipal support (4).
 */
export function pyramidStratification(municipalOffer: ActivitySpec, hospitalOffer: ActivitySpec, moreSources: Source[] = []): StratificationSpec {
  return {
    description: GENERIC_STRATIFICATION,
    strata: strata([
      [afterClarifying(municipalOffer)],
      [afterClarifying(municipalOffer), step(SHARED.municipalSupport), step(SHARED.careCoordinatorAssessment)],
      [step(hospitalOffer)],
      [step(hospitalOffer), step(SHARED.appointCareCoordinator), step(SHARED.municipalSupport)],
    ]),
    sources: [...STRATIFICATION_SOURCES, ...moreSources],
  };
}
