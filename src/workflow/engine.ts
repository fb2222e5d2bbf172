import type { CarePlan, Provenance, Resource } from '@medplum/fhirtypes';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { MachineDefinition, PlanDefinitionLike, StartFacts } from '../../workflows/machine-definition.js';
import { machineByVersion, machineFor } from '../../workflows/registry.js';
import { inTransaction, type FhirContext, type TxContext } from '../fhir/context.js';
import { FhirError, conflict, gone, notFound } from '../fhir/errors.js';
import { checkIfMatch } from '../fhir/preconditions.js';
import { newId } from '../fhir/resource-id.js';
import { writeVersion } from '../fhir/write.js';
import { FORLOB } from '../programmes/model.js';
import type { StoredVersion, StoreReader } from '../store/types.js';
import type { WorkflowInstanceRow, WorkflowTimerRow } from '../store/workflow-types.js';
import { allowedEvents, statePaths } from './allowed-events.js';
import type { EffectEnv } from './effects/effect.js';
import { EFFECTS } from './effects/index.js';
import { WorkingSet } from './working-set.js';

/*
 * The engine: one machine instance per CarePlan. A transition runs the pure machine (xstate's transition), turns
 * the returned actions into FHIR effects (effects/), and writes — in one store transaction — every changed
 * resource, a new CarePlan version, one Provenance, the persisted snapshot at that CarePlan version, the
 * transition log row and the timers. Any failure rolls all of it back.
 */

export type WorkflowEvent = { type: string } & Record<string, unknown>;

export interface SendOptions {
  /** Who sends the event (a reference); absent for the scheduler. */
  by?: string;
  /** The CarePlan version the sender saw, as an If-Match ETag: 412 when it is not the current one. */
  ifMatch?: string;
  /** Display name of the agent when there is no `by`. */
  agent?: string;
}

export interface TransitionResult {
  carePlan: CarePlan & Resource;
  from: string[];
  to: string[];
  /** The course after the transition, as saved (so that an answer needs no second read and restore). */
  snapshot: AnyMachineSnapshot;
  instance: WorkflowInstanceRow;
  /** Its pending timers, in due order. */
  timers: WorkflowTimerRow[];
}

const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation';
const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
export const WORKFLOW_EVENT_SYSTEM = `${FORLOB}/CodeSystem/workflow-event`;

export function restore(def: MachineDefinition, inst: WorkflowInstanceRow): AnyMachineSnapshot {
  return def.machine.resolveState(def.machine.restoreSnapshot(JSON.parse(inst.snapshot), {} as never) as never) as AnyMachineSnapshot;
}

export function definitionOf(inst: WorkflowInstanceRow): MachineDefinition {
  const def = machineByVersion(inst.machine, inst.machineVersion);
  if (!def) conflict(`CarePlan/${inst.carePlanId} runs ${inst.machine} ${inst.machineVersion}, which this server no longer has: migrate the instance`);
  return def!;
}

/** The instance of a CarePlan and the CarePlan itself: 404 / 410 when there is none. */
export async function loadInstance(tx: StoreReader, carePlanId: string): Promise<{ inst: WorkflowInstanceRow; stored: StoredVersion }> {
  const stored = await tx.readCurrent('CarePlan', carePlanId);
  if (!stored) notFound(`CarePlan/${carePlanId} not found`);
  if (stored!.deleted) gone(`CarePlan/${carePlanId} was deleted`);
  const inst = await tx.workflow.instance(carePlanId);
  if (!inst) notFound(`CarePlan/${carePlanId} is not driven by a workflow`);
  return { inst: inst!, stored: stored! };
}

function notAllowed(def: MachineDefinition, snapshot: AnyMachineSnapshot, event: WorkflowEvent): never {
  const allowed = allowedEvents(def, snapshot);
  throw new FhirError(409, {
    resourceType: 'OperationOutcome',
    issue: [{
      severity: 'error',
      code: 'business-rule',
      diagnostics: `${event.type} is not allowed in state ${statePaths(snapshot.value).join(', ')}. Allowed now: ${allowed.join(', ') || 'none (the course has ended)'}`,
      details: { coding: allowed.map((code) => ({ system: WORKFLOW_EVENT_SYSTEM, code })), text: `Allowed events: ${allowed.join(', ')}` },
    }],
  });
}

/** Send an event to the course of a CarePlan, in a transaction of its own (or the open one). */
export function sendEvent(ctx: FhirContext, carePlanId: string, event: WorkflowEvent, options: SendOptions = {}): Promise<TransitionResult> {
  return inTransaction(ctx, (tx) => applyEvent(tx, carePlanId, event, options));
}

export async function applyEvent(tx: TxContext, carePlanId: string, event: WorkflowEvent, options: SendOptions): Promise<TransitionResult> {
  const { inst, stored } = await loadInstance(tx.tx, carePlanId);
  checkIfMatch(options.ifMatch, stored);
  const def = definitionOf(inst);
  const snapshot = restore(def, inst);
  if (!def.acceptsEvent(snapshot, event)) notAllowed(def, snapshot, event);
  const [next, actions] = transition(def.machine, snapshot, event as never);
  return commit(tx, { def, stored, inst, from: snapshot, next, actions, event, options });
}

/** Start the machine of the programme on a CarePlan just written by $apply, then screen it as $apply did. */
export async function startWorkflow(tx: TxContext, carePlan: StoredVersion, plan: PlanDefinitionLike, facts: StartFacts, options: SendOptions & { screen: boolean }): Promise<TransitionResult> {
  const def = machineFor(plan);
  const [first, actions] = initialTransition(def.machine, def.input(plan, facts) as never);
  const started = await commit(tx, { def, stored: carePlan, from: undefined, next: first as AnyMachineSnapshot, actions, event: { type: 'START' }, options });
  if (!options.screen) return started;
  return applyEvent(tx, carePlan.id, def.enrolmentEvent(facts), options);
}

export interface Step {
  def: MachineDefinition;
  stored: StoredVersion;
  inst?: WorkflowInstanceRow;
  from?: AnyMachineSnapshot;
  next: AnyMachineSnapshot;
  actions: { type: string; params?: unknown }[];
  event: WorkflowEvent;
  options: SendOptions;
}

/** Write one transition: effects, CarePlan version, Provenance, snapshot, log row, timers (see the header). */
export async function commit(tx: TxContext, step: Step): Promise<TransitionResult> {
  const { def, stored, inst, next, event, options } = step;
  const now = tx.now();
  // The start without effects (a course waiting in referral) adds nothing to what $apply wrote and proved.
  const quiet = !step.from && step.actions.length === 0;
  const ws = new WorkingSet(tx, stored, now, !quiet);
  const env: EffectEnv = { ws, now, event, by: options.by, timers: new Map(), cascade: [], owners: new Map() };
  for (const action of step.actions) {
    const effect = EFFECTS[action.type];
    if (!effect) throw new Error(`Machine ${def.id} ${def.version} emitted ${action.type}, which has no effect`);
    await effect(env, (action.params ?? {}) as Record<string, unknown>);
  }
  const written = await ws.flush();
  const from = step.from ? statePaths(step.from.value) : [];
  const to = statePaths(next.value);
  const provenance = quiet ? undefined : await writeProvenance(tx, step, written, from, to, now);
  const carePlanVersion = Number(ws.carePlan.meta!.versionId);
  const instance: WorkflowInstanceRow = {
    carePlanId: stored.id, machine: def.id, machineVersion: def.version, carePlanVersion, snapshot: JSON.stringify(def.machine.getPersistedSnapshot(next)), created: inst?.created ?? now, updated: now,
  };
  await tx.tx.workflow.saveInstance(instance, inst?.carePlanVersion);
  const { type, cascaded: _c, ...data } = event;
  await tx.tx.workflow.addTransition({
    carePlanId: stored.id, event: type, ...(Object.keys(data).length && { data: JSON.stringify(data) }),
    from: from.join(' '), to: to.join(' '), at: now, ...(options.by && { by: options.by }), ...(provenance && { provenanceId: provenance }),
  });
  const timers = await saveTimers(tx, stored.id, env, type);
  // The cascade steps the patient's other courses, never this one (effects/death.ts).
  for (const c of env.cascade) {
    try {
      await applyEvent(tx, c.carePlanId, c.event, { ...options, ifMatch: undefined });
    } catch (err) {
      // A course that cannot take the event (already ended) is left as it is.
      if (!(err instanceof FhirError && err.status === 409)) throw err;
    }
  }
  return { carePlan: ws.carePlan as CarePlan & Resource, from, to, snapshot: next, instance, timers };
}

/** Write the transition's timers; returns the course's pending timers afterwards, ordered as the store orders them. */
async function saveTimers(tx: TxContext, carePlanId: string, env: EffectEnv, eventType: string): Promise<WorkflowTimerRow[]> {
  const pending = new Map<string, WorkflowTimerRow>();
  for (const t of await tx.tx.workflow.timers(carePlanId)) {
    // An event that arrives before its timer (sent by hand) takes the timer's place: it will not fire again.
    if (t.event === eventType && !env.timers.has(t.timerId)) await tx.tx.workflow.deleteTimer(carePlanId, t.timerId);
    else pending.set(t.timerId, t);
  }
  for (const [timerId, timer] of env.timers) {
    if (timer) {
      const row = { carePlanId, timerId, ...timer };
      await tx.tx.workflow.setTimer(row);
      pending.set(timerId, row);
    } else {
      await tx.tx.workflow.deleteTimer(carePlanId, timerId);
      pending.delete(timerId);
    }
  }
  // Binary order, as the store's ORDER BY due, timer_id (a timer id is unique within a course).
  const key = (t: WorkflowTimerRow) => `${t.due}\u0000${t.timerId}`;
  return [...pending.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

async function writeProvenance(tx: TxContext, step: Step, targets: { reference?: string }[], from: string[], to: string[], now: string): Promise<string> {
  const { def, event, options, stored } = step;
  const reason = typeof event.reason === 'string' ? event.reason : undefined;
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: targets.length ? targets.map((t) => ({ reference: t.reference })) : [{ reference: `CarePlan/${stored.id}/_history/${stored.versionId}` }],
    recorded: now,
    policy: [`${FORLOB}/workflow/${def.id}|${def.version}`],
    activity: {
      coding: [{ system: DATA_OPERATION, code: 'UPDATE' }, { system: WORKFLOW_EVENT_SYSTEM, code: event.type }],
      text: `${event.type}: ${from.join(', ') || '(start)'} → ${to.join(', ')}`,
    },
    agent: [{
      type: { coding: [{ system: PARTICIPANT_TYPE, code: 'author' }] },
      who: options.by ? { reference: options.by } : { display: options.agent ?? 'Forløb workflow engine' },
    }],
    ...(reason && { reason: [{ text: reason }] }),
  };
  const res = await writeVersion(tx, provenance, newId(), 'POST', undefined, { trusted: true });
  return res.id!;
}
