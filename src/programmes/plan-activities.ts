import type {
  ActivityDefinition,
  CarePlanActivity,
  CodeableConcept,
  PlanDefinitionAction,
  Resource,
  ServiceRequest,
  Task,
  TimingRepeat,
} from '@medplum/fhirtypes';
import { stripVersion } from '../validation/terminology.js';
import { APPOINT_TOVHOLDER, CS, EXT, PROFILE, type Ref } from './model.js';
import { activityType, codeIn, sectorOf } from './plan-actions.js';
import { danishDate, dependsOnOther, estimateStarts } from './schedule.js';

/*
 * The programme's course steps and the chosen stratum's offers, as CarePlan activities. An action that waits
 * for no other one is due now: it becomes a Task or ServiceRequest (per its ActivityDefinition's kind) that
 * the CarePlan references, as a draft until the patient consents (the workflow activates it). The others are planned: `detail` with the ActivityDefinition, status not-started
 * and the estimated schedule.
 */

/** What the activities are built against. */
export interface ActivityContext {
  activities: ReadonlyMap<string, ActivityDefinition>;
  patient: Ref;
  carePlan: string;
  episode: string;
  encounter?: Ref;
  requester?: Ref;
  /** The organisation performing for each sector, where known. */
  performers: Partial<Record<string, Ref>>;
  now: string;
  newUrn: () => string;
}

export interface BuiltActivities {
  activity: CarePlanActivity[];
  /** The Tasks and ServiceRequests due now, with their fullUrls. */
  requests: { fullUrl: string; resource: Resource }[];
}

export function buildActivities(actions: PlanDefinitionAction[], ctx: ActivityContext): BuiltActivities {
  const starts = estimateStarts(actions, danishDate(ctx.now));
  const out: BuiltActivities = { activity: [], requests: [] };
  for (const action of actions) {
    const definition = action.definitionCanonical ? ctx.activities.get(stripVersion(action.definitionCanonical)) : undefined;
    const code = activityCode(action, definition);
    const sector = sectorOf(action) ?? definitionSector(definition);
    const performer = sector ? ctx.performers[sector] : undefined;
    const kind = definition?.kind === 'ServiceRequest' ? 'ServiceRequest' : 'Task';
    if (!dependsOnOther(action)) {
      const fullUrl = ctx.newUrn();
      const resource = kind === 'Task' ? task(action, code, sector, performer, ctx) : serviceRequest(action, code, sector, performer, ctx);
      // ActivityDefinition.profile: the profile the created request must conform to (validated on write).
      if (definition?.profile) resource.meta = { profile: [...(resource.meta?.profile ?? []), definition.profile] };
      out.requests.push({ fullUrl, resource });
      out.activity.push({ reference: { reference: fullUrl } });
      continue;
    }
    const start = starts.get(action)!;
    const timing = action.timingTiming;
    out.activity.push({
      detail: {
        kind,
        ...(action.definitionCanonical && { instantiatesCanonical: [action.definitionCanonical] }),
        ...(code && { code }),
        status: 'not-started',
        ...(action.title && { description: action.title }),
        ...(timing
          ? { scheduledTiming: timing.repeat && !hasBounds(timing.repeat) ? { ...timing, repeat: { ...timing.repeat, boundsPeriod: { start } } } : timing }
          : { scheduledPeriod: { start } }),
        ...(performer && { performer: [performer] }),
      },
    });
  }
  return out;
}

function hasBounds(repeat: TimingRepeat): boolean {
  return !!(repeat.boundsDuration || repeat.boundsPeriod || repeat.boundsRange);
}

/** The activity-type code: the action's, else its ActivityDefinition's. */
function activityCode(action: PlanDefinitionAction, definition: ActivityDefinition | undefined): CodeableConcept | undefined {
  const own = action.code?.find((cc) => codeIn(cc, CS.activityType));
  if (own) return { coding: own.coding!.filter((c) => c.system === CS.activityType), ...(action.title && { text: action.title }) };
  if (definition?.code) return definition.code;
  const type = activityType(action);
  return type ? { coding: [{ system: CS.activityType, code: type }] } : undefined;
}

function definitionSector(definition: ActivityDefinition | undefined): string | undefined {
  for (const p of definition?.participant ?? []) {
    const code = codeIn(p.role, CS.sector);
    if (code) return code;
  }
  return undefined;
}

function sectorConcept(sector: string | undefined): CodeableConcept[] | undefined {
  return sector ? [{ coding: [{ system: CS.sector, code: sector }] }] : undefined;
}

function episodeExtension(ctx: ActivityContext) {
  return [{ url: EXT.episodeOfCare, valueReference: { reference: ctx.episode } }];
}

function task(action: PlanDefinitionAction, code: CodeableConcept | undefined, sector: string | undefined, owner: Ref | undefined, ctx: ActivityContext): Task {
  return {
    resourceType: 'Task',
    meta: { profile: [PROFILE.task] },
    extension: episodeExtension(ctx),
    ...(action.definitionCanonical && { instantiatesCanonical: action.definitionCanonical }),
    basedOn: [{ reference: ctx.carePlan }],
    status: 'draft',
    intent: 'order',
    ...(code && { code }),
    ...(action.title && { description: action.title }),
    for: ctx.patient,
    ...(ctx.encounter && { encounter: ctx.encounter }),
    authoredOn: ctx.now,
    ...(ctx.requester && { requester: ctx.requester }),
    ...(sector && { performerType: sectorConcept(sector) }),
    ...(owner && { owner }),
  };
}

function serviceRequest(
  action: PlanDefinitionAction,
  code: CodeableConcept | undefined,
  sector: string | undefined,
  performer: Ref | undefined,
  ctx: ActivityContext,
): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    extension: episodeExtension(ctx),
    ...(action.definitionCanonical && { instantiatesCanonical: [action.definitionCanonical] }),
    basedOn: [{ reference: ctx.carePlan }],
    status: 'draft',
    intent: 'order',
    ...(code && { code }),
    subject: ctx.patient,
    ...(ctx.encounter && { encounter: ctx.encounter }),
    authoredOn: ctx.now,
    ...(ctx.requester && { requester: ctx.requester }),
    ...(sector && { performerType: sectorConcept(sector)![0] }),
    ...(performer && { performer: [performer] }),
  };
}

/** The Task asking the managing organisation to appoint a tovholder (the patient has no GP). */
export function appointTovholderTask(ctx: ActivityContext, owner: Ref): Task {
  return {
    resourceType: 'Task',
    meta: { profile: [PROFILE.task] },
    extension: episodeExtension(ctx),
    basedOn: [{ reference: ctx.carePlan }],
    // Not waiting for consent: the course needs its tovholder to get under way at all.
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: CS.activityType, code: APPOINT_TOVHOLDER }], text: 'Appoint a tovholder' },
    description: 'The patient has no general practitioner: appoint a tovholder for the course of care.',
    for: ctx.patient,
    authoredOn: ctx.now,
    ...(ctx.requester && { requester: ctx.requester }),
    owner,
  };
}
