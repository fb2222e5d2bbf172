import { randomUUID } from 'node:crypto';
import type {
  ActivityDefinition,
  Bundle,
  BundleEntry,
  CarePlan,
  CareTeam,
  CareTeamParticipant,
  CodeableConcept,
  EpisodeOfCare,
  Observation,
  PlanDefinition,
  Provenance,
  Resource,
} from '@medplum/fhirtypes';
import type { EligibilityResult, PatientData } from './eligibility.js';
import { ACTION, CS, EXT, PROFILE, type CareTeamRole, type Ref } from './model.js';
import { appointTovholderTask, buildActivities, type ActivityContext } from './plan-activities.js';
import { pinnedCanonical, topAction } from './plan-actions.js';
import type { StratumResult } from './strata.js';

/*
 * PlanDefinition + the patient's data → the transaction Bundle $apply writes (docs/PROGRAMME-MODEL.md, "What
 * $apply writes"): EpisodeOfCare, CareTeam, stratification Observation, CarePlan, the Tasks/ServiceRequests
 * due now (and an appoint-tovholder Task when the patient has no tovholder), and one Provenance for them all.
 * Pure: everything it needs is passed in; entries refer to each other by urn:uuid fullUrls.
 */

/** The people and organisations of the patient's care, as resolved from the store. */
export interface CareActors {
  /** The tovholder: the existing active one (multimorbidity) or the patient's GP; absent when unknown. */
  tovholder?: { member: Ref; since: string };
  practice?: Ref;
  municipality?: Ref;
  department?: Ref;
  managingOrganization: Ref;
}

export interface BuildInput {
  plan: PlanDefinition;
  activities: ReadonlyMap<string, ActivityDefinition>;
  data: PatientData;
  eligibility: EligibilityResult;
  stratum?: StratumResult;
  actors: CareActors;
  /** The $apply parameters, as references. */
  practitioner?: Ref;
  organization?: Ref;
  encounter?: Ref;
  now: string;
  newUrn?: () => string;
}

const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation';
const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

const role = (code: CareTeamRole): CodeableConcept[] => [{ coding: [{ system: CS.careteamRole, code }] }];
const ref = (r: Resource): Ref => ({ reference: `${r.resourceType}/${r.id}` });

export function buildApplyBundle(input: BuildInput): Bundle {
  const { plan, data, actors, now } = input;
  const newUrn = input.newUrn ?? (() => `urn:uuid:${randomUUID()}`);
  const urls = { episode: newUrn(), team: newUrn(), observation: newUrn(), plan: newUrn() };
  const patient = ref(data.patient);
  const diagnoses = input.eligibility.evidence.map(ref);
  const canonical = pinnedCanonical(plan);
  const requester = input.practitioner ?? input.organization;

  const episode: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    meta: { profile: [PROFILE.episodeOfCare] },
    extension: [{ url: EXT.enrolledIn, valueCanonical: canonical }],
    // Planned until the patient consents (the workflow's CONSENT_GIVEN makes it active).
    status: 'planned',
    statusHistory: [{ status: 'planned', period: { start: now } }],
    ...(plan.topic && plan.topic.length > 0 && { type: plan.topic }),
    ...(diagnoses.length > 0 && { diagnosis: diagnoses.map((condition, i) => ({ condition, rank: i + 1 })) }),
    patient,
    managingOrganization: actors.managingOrganization,
    period: { start: now },
    ...(actors.tovholder?.member.reference?.startsWith('Practitioner/') && { careManager: actors.tovholder.member }),
    team: [{ reference: urls.team }],
  };

  const participants: CareTeamParticipant[] = [];
  if (actors.tovholder) participants.push({ role: role('tovholder'), member: actors.tovholder.member, period: { start: actors.tovholder.since } });
  if (actors.practice) participants.push({ role: role('general-practice'), member: actors.practice, period: { start: now } });
  if (actors.municipality) participants.push({ role: role('municipality'), member: actors.municipality, period: { start: now } });
  if (actors.department) participants.push({ role: role('hospital-department'), member: actors.department, period: { start: now } });
  const team: CareTeam = {
    resourceType: 'CareTeam',
    meta: { profile: [PROFILE.careTeam] },
    status: 'proposed',
    ...(plan.title && { name: plan.title }),
    subject: patient,
    ...(input.encounter && { encounter: input.encounter }),
    period: { start: now },
    ...(participants.length > 0 && { participant: participants }),
    managingOrganization: [actors.managingOrganization],
  };

  const observation = input.stratum && stratificationObservation(input.stratum, patient, input.encounter, now);
  const stratumConcept: CodeableConcept | undefined = input.stratum && { coding: [{ system: CS.stratum, code: input.stratum.stratum }] };

  const ctx: ActivityContext = {
    activities: input.activities,
    patient,
    carePlan: urls.plan,
    episode: urls.episode,
    encounter: input.encounter,
    requester,
    performers: { 'general-practice': actors.practice, municipality: actors.municipality, hospital: actors.department },
    now,
    newUrn,
  };
  const course = topAction(plan, ACTION.course)?.action.action ?? [];
  const built = buildActivities([...course, ...(input.stratum?.action.action ?? [])], ctx);
  if (!actors.tovholder) {
    const fullUrl = newUrn();
    built.requests.push({ fullUrl, resource: appointTovholderTask(ctx, actors.managingOrganization) });
    built.activity.push({ reference: { reference: fullUrl } });
  }

  const carePlan: CarePlan = {
    resourceType: 'CarePlan',
    meta: { profile: [PROFILE.carePlan] },
    extension: [
      { url: EXT.episodeOfCare, valueReference: { reference: urls.episode } },
      { url: EXT.statusHistory, extension: [{ url: 'status', valueCode: 'draft' }, { url: 'period', valuePeriod: { start: now } }] },
      ...(stratumConcept ? [{ url: EXT.stratum, valueCodeableConcept: stratumConcept }] : []),
    ],
    instantiatesCanonical: [canonical],
    status: 'draft',
    intent: 'plan',
    ...(plan.title && { title: plan.title }),
    subject: patient,
    ...(input.encounter && { encounter: input.encounter }),
    period: { start: now },
    created: now,
    ...(requester && { author: requester }),
    careTeam: [{ reference: urls.team }],
    ...(diagnoses.length > 0 && { addresses: diagnoses }),
    ...(observation && { supportingInfo: [{ reference: urls.observation }] }),
    ...(built.activity.length > 0 && { activity: built.activity }),
  };

  const entries: BundleEntry[] = [
    { fullUrl: urls.episode, resource: episode },
    { fullUrl: urls.team, resource: team },
    ...(observation ? [{ fullUrl: urls.observation, resource: observation }] : []),
    { fullUrl: urls.plan, resource: carePlan },
    ...built.requests,
  ];
  const provenance = provenanceFor(entries.map((e) => e.fullUrl!), plan, input, now);
  entries.push({ fullUrl: newUrn(), resource: provenance });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((e) => ({ ...e, request: { method: 'POST', url: e.resource!.resourceType } })),
  };
}

function stratificationObservation(result: StratumResult, subject: Ref, encounter: Ref | undefined, now: string): Observation {
  const { inputs } = result;
  const comp = (code: string, system: string, value: string | undefined) =>
    value ? [{ code: { coding: [{ system: CS.stratification, code }] }, valueCodeableConcept: { coding: [{ system, code: value }] } }] : [];
  const basis = inputs.source
    ? `Components from the stratification of ${inputs.source.effectiveDateTime ?? inputs.source.issued ?? 'an earlier date'}.`
    : inputs.chronicConditions.length
      ? `High complexity derived from ${inputs.chronicConditions.length} conditions in two or more programme groups.`
      : 'Derived without a prior assessment: low complexity, good self-care assumed.';
  return {
    resourceType: 'Observation',
    meta: { profile: [PROFILE.stratification] },
    status: 'final',
    code: { coding: [{ system: CS.stratification, code: 'stratum' }] },
    subject,
    ...(encounter && { encounter }),
    effectiveDateTime: now,
    issued: now,
    valueCodeableConcept: { coding: [{ system: CS.stratum, code: result.stratum }] },
    method: { coding: [{ system: CS.stratificationMethod, code: 'computed' }] },
    note: [{ text: basis }],
    // R4 derivedFrom admits Observations (not Conditions): the earlier stratification when it was used.
    ...(inputs.source?.id && { derivedFrom: [ref(inputs.source)] }),
    component: [
      ...comp('disease-complexity', CS.diseaseComplexity, inputs.complexity),
      ...comp('self-care-ability', CS.selfCareAbility, inputs.selfCare),
      ...comp('severity', CS.severity, inputs.severity),
    ],
  };
}

function provenanceFor(targets: string[], plan: PlanDefinition, input: BuildInput, now: string): Provenance {
  const author = input.practitioner ?? input.organization;
  const topics = plan.topic?.flatMap((t) => t.coding ?? []) ?? [];
  return {
    resourceType: 'Provenance',
    target: targets.map((reference) => ({ reference })),
    recorded: now,
    policy: [pinnedCanonical(plan)],
    activity: { coding: [{ system: DATA_OPERATION, code: 'CREATE' }] },
    reason: [{ ...(topics.length > 0 && { coding: topics }), text: plan.title ?? plan.url }],
    agent: [
      ...(author
        ? [{ type: { coding: [{ system: PARTICIPANT_TYPE, code: 'author' }] }, who: author, ...(input.practitioner && input.organization && { onBehalfOf: input.organization }) }]
        : []),
      { type: { coding: [{ system: PARTICIPANT_TYPE, code: 'assembler' }] }, who: { display: 'Forløb PlanDefinition/$apply' } },
    ],
    entity: [{ role: 'source', what: { reference: `PlanDefinition/${plan.id}` } }],
  };
}
