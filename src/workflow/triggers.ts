import type { CarePlan, Condition, Encounter, Resource, Task, TaskOutput } from '@medplum/fhirtypes';
import type { MachineDefinition } from '../../workflows/machine-definition.js';
import type { TxContext, WriteHook } from '../fhir/context.js';
import { FhirError } from '../fhir/errors.js';
import { Terminology } from '../programmes/codes.js';
import { CS } from '../programmes/model.js';
import { catalogueInclusions, loadValueSets } from '../programmes/programme-store.js';
import { searchResources } from '../programmes/store-search.js';
import type { StoredVersion } from '../store/types.js';
import { applyEvent, definitionOf, restore, type WorkflowEvent } from './engine.js';
import { parseEventInput } from './event-input.js';

/*
 * Standard FHIR writes that step courses, in the transaction of the write (MachineDefinition.taskEvents and
 * friends say which): completing or rejecting a workflow Task sends its event — refused with the write (409,
 * 422) when the course cannot take it; an acute Encounter or a new chronic diagnosis of an enrolled patient
 * sends its event to every course of the patient that takes it now, and to no other.
 */

const ACUTE_CLASSES = new Set(['IMP', 'EMER', 'ACUTE']);
const taskCode = (t: Task) => t.code?.coding?.find((c) => c.system === CS.activityType)?.code;

function outputValue(o: TaskOutput): string | undefined {
  const v = o.valueString ?? o.valueCode ?? o.valueReference?.reference ?? o.valueMarkdown ?? o.valueDateTime ?? (o.valueBoolean !== undefined ? String(o.valueBoolean) : undefined);
  return typeof v === 'string' ? v : undefined;
}

function outputs(task: Task): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of task.output ?? []) {
    const name = o.type?.text ?? o.type?.coding?.[0]?.code;
    const value = outputValue(o);
    if (name && value !== undefined) out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

async function onTask(ctx: TxContext, task: Task, previous: StoredVersion | undefined): Promise<void> {
  const outcome = task.status === 'completed' ? 'completed' : task.status === 'rejected' ? 'rejected' : undefined;
  if (!outcome || (previous?.json && (JSON.parse(previous.json) as Task).status === task.status)) return;
  const planId = task.basedOn?.map((b) => /^CarePlan\/([^/]+)$/.exec(b.reference ?? '')?.[1]).find(Boolean);
  const code = taskCode(task);
  const inst = planId && code ? await ctx.tx.workflow.instance(planId) : undefined;
  if (!inst) return;
  const def = definitionOf(inst);
  const type = def.taskEvents[code!]?.[outcome];
  if (!type) return;
  const params = outputs(task);
  if (outcome === 'rejected' && task.statusReason?.text && def.eventSchemas[type]?.data.reason) params.set('reason', [task.statusReason.text]);
  params.set('event', [type]);
  let event: WorkflowEvent;
  try {
    event = parseEventInput(params, def.eventSchemas).event;
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    const fields = Object.entries(def.eventSchemas[type].data).map(([k, f]) => `${k}${f.required ? '' : '?'} (${f.type})`).join(', ');
    throw new FhirError(422, {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'business-rule', diagnostics: `Task/${task.id} ${outcome} sends ${type} to CarePlan/${planId}, whose data goes in Task.output (type.text = field): ${fields}`, expression: ['Task.output'] },
        ...(err.outcome.issue ?? []),
      ],
    });
  }
  const by = task.owner?.reference;
  await applyEvent(ctx, planId!, event, { ...(by && { by }), agent: `Task/${task.id}` });
}

/**
 * Every course of the patient that takes the event now gets it. `relevant` (asked once, and only when some
 * course would take the event) can still call it off.
 */
async function toCoursesOf(ctx: TxContext, patient: string | undefined, make: (def: MachineDefinition) => WorkflowEvent | undefined, agent: string, relevant: () => Promise<boolean> = async () => true): Promise<void> {
  if (!patient?.startsWith('Patient/')) return;
  const plans = await searchResources<CarePlan>(ctx, 'CarePlan', { subject: [patient], status: ['draft,active,on-hold'] });
  let asked: boolean | undefined;
  for (const plan of plans) {
    const inst = await ctx.tx.workflow.instance(plan.id!);
    if (!inst) continue;
    const def = definitionOf(inst);
    const event = make(def);
    if (!event || !def.acceptsEvent(restore(def, inst), event)) continue;
    asked ??= await relevant();
    if (!asked) return;
    await applyEvent(ctx, plan.id!, event, { agent });
  }
}

async function onEncounter(ctx: TxContext, encounter: Encounter, previous: StoredVersion | undefined): Promise<void> {
  const acute = (e: Encounter | undefined) => !!e && ACUTE_CLASSES.has(e.class?.code ?? '') && e.status !== 'entered-in-error' && e.status !== 'cancelled';
  if (!acute(encounter) || acute(previous?.json ? (JSON.parse(previous.json) as Encounter) : undefined)) return;
  const ref = `Encounter/${encounter.id}`;
  await toCoursesOf(ctx, encounter.subject?.reference, (def) => def.acuteEncounterEvent?.(ref), ref);
}

/** A diagnosis is chronic when some programme of the catalogue includes it. */
async function chronic(ctx: TxContext, condition: Condition): Promise<boolean> {
  const urls = await catalogueInclusions(ctx);
  const terminology = new Terminology(await loadValueSets(ctx, urls, false));
  return urls.some((u) => terminology.usable(u) && terminology.memberOf(u, condition.code));
}

async function onCondition(ctx: TxContext, condition: Condition, previous: StoredVersion | undefined): Promise<void> {
  if (previous && !previous.deleted) return;
  const clinical = condition.clinicalStatus?.coding?.[0]?.code;
  const verification = condition.verificationStatus?.coding?.[0]?.code;
  if ((clinical && clinical !== 'active' && clinical !== 'recurrence' && clinical !== 'relapse') || verification === 'entered-in-error' || verification === 'refuted') return;
  const patient = condition.subject?.reference;
  const ref = `Condition/${condition.id}`;
  await toCoursesOf(ctx, patient, (def) => def.newDiagnosisEvent?.(ref), ref, () => chronic(ctx, condition));
}

/** The status of a plan a workflow drives is the machine's: a client changes it with $event (PAUSE, WITHDRAW, …). */
async function onCarePlan(ctx: TxContext, plan: CarePlan, previous: StoredVersion | undefined): Promise<void> {
  if (!previous?.json || (JSON.parse(previous.json) as CarePlan).status === plan.status) return;
  if (await ctx.tx.workflow.instance(plan.id!))
    throw new FhirError(409, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'business-rule', diagnostics: `CarePlan/${plan.id} is driven by a workflow: change its status with CarePlan/${plan.id}/$event (see $workflow for the events allowed now)`, expression: ['CarePlan.status'] }],
    });
}

export const workflowWriteHook: WriteHook = async (ctx, written: Resource, previous) => {
  if (written.resourceType === 'CarePlan') return onCarePlan(ctx, written, previous);
  if (written.resourceType === 'Task') return onTask(ctx, written, previous);
  if (written.resourceType === 'Encounter') return onEncounter(ctx, written, previous);
  if (written.resourceType === 'Condition') return onCondition(ctx, written, previous);
};
