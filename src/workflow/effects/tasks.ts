import type { CarePlanActivity, CareTeam, Reference, Task } from '@medplum/fhirtypes';
import { CS, EXT, PROFILE, isOpenRequest, isOpenTask, type Ref } from '../../programmes/model.js';
import type { WorkingSet } from '../working-set.js';
import type { Effect } from './effect.js';

/*
 * Task effects. createTask is idempotent per code: an open Task of the plan with that code (such as the first
 * steps $apply wrote) is adopted, not duplicated. A new Task goes to the organisation decided earlier in the
 * transition (requestCoordinator), else the care team's organisation of the `sector` asked for, else the performer the programme planned for that step, else the owner of
 * the last Task with that code, else the episode's managing organisation; a planned activity for the step
 * becomes a reference to the Task.
 */

const codeOf = (t: { code?: { coding?: { system?: string; code?: string }[] } }) =>
  t.code?.coding?.find((c) => c.system === CS.activityType)?.code;

const role = (p: NonNullable<CareTeam['participant']>[number], code: string) =>
  p.role?.some((r) => r.coding?.some((c) => c.system === CS.careteamRole && c.code === code));

/** Care-team roles of the organisations of each sector. */
const SECTOR_ROLE: Record<string, string> = { hospital: 'hospital-department', municipality: 'municipality', 'general-practice': 'general-practice' };

async function sectorMember(ws: WorkingSet, sector: string | undefined): Promise<Reference | undefined> {
  const roleCode = sector ? SECTOR_ROLE[sector] : undefined;
  if (!roleCode) return undefined;
  return ((await ws.careTeam())?.participant ?? []).find((p) => !p.period?.end && role(p, roleCode))?.member;
}

async function ownerFor(ws: WorkingSet, code: string, sector: string | undefined, planned: CarePlanActivity | undefined, earlier: Task | undefined, owners: Map<string, Reference>): Promise<Ref | undefined> {
  const decided = owners.get(code) ?? (await sectorMember(ws, sector)) ?? planned?.detail?.performer?.[0] ?? earlier?.owner;
  if (decided) return { reference: decided.reference };
  const managing = (await ws.episode())?.managingOrganization;
  return managing && { reference: managing.reference };
}

export const createTask: Effect = async ({ ws, now, owners }, params) => {
  const code = String(params.code);
  const tasks = await ws.tasks();
  if (tasks.some((t) => isOpenTask(t) && codeOf(t) === code)) return;
  const plan = ws.carePlan;
  const planned = plan.activity?.find((a) => a.detail && codeOf(a.detail) === code && a.detail.status === 'not-started');
  const earlier = tasks.filter((t) => codeOf(t) === code).at(-1);
  const sector = params.sector === undefined ? undefined : String(params.sector);
  const owner = await ownerFor(ws, code, sector, planned, earlier, owners);
  const episode = plan.extension?.find((e) => e.url === EXT.episodeOfCare)?.valueReference;
  const task = ws.create<Task>({
    resourceType: 'Task',
    meta: { profile: [PROFILE.task] },
    ...(episode && { extension: [{ url: EXT.episodeOfCare, valueReference: { reference: episode.reference } }] }),
    ...(planned?.detail?.instantiatesCanonical?.[0] && { instantiatesCanonical: planned.detail.instantiatesCanonical[0] }),
    basedOn: [ws.carePlanRef],
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: CS.activityType, code }], ...(planned?.detail?.description && { text: planned.detail.description }) },
    description: String(params.reason),
    for: ws.patientRef,
    authoredOn: now,
    ...(plan.author && { requester: { reference: plan.author.reference } }),
    ...(owner && { owner }),
  });
  const activity: CarePlanActivity = { reference: { reference: `Task/${task.id}` } };
  if (planned) plan.activity![plan.activity!.indexOf(planned)] = activity;
  else (plan.activity ??= []).push(activity);
};

function finish(task: Task, status: 'completed' | 'cancelled', now: string, reason?: string): void {
  task.status = status;
  task.lastModified = now;
  task.executionPeriod = { start: task.executionPeriod?.start ?? task.authoredOn ?? now, end: now };
  if (reason) task.statusReason = { text: reason };
}

export const completeTask: Effect = async ({ ws, now }, { code }) => {
  for (const t of await ws.tasks()) {
    if (!isOpenTask(t) || codeOf(t) !== code) continue;
    finish(t, 'completed', now);
    ws.touch(t);
  }
};

export const cancelTask: Effect = async ({ ws, now, event }, { code }) => {
  for (const t of await ws.tasks()) {
    if (!isOpenTask(t) || codeOf(t) !== code) continue;
    finish(t, 'cancelled', now, `Not needed any more: ${event.type.toLowerCase().replace(/_/g, ' ')}`);
    ws.touch(t);
  }
};

export const cancelOpenTasks: Effect = async ({ ws, now, event }) => {
  const reason = `Cancelled: ${event.type.toLowerCase().replace(/_/g, ' ')}`;
  for (const r of await ws.requests()) {
    if (r.resourceType === 'Task' && isOpenTask(r)) finish(r, 'cancelled', now, reason);
    else if (r.resourceType === 'ServiceRequest' && isOpenRequest(r)) r.status = 'revoked';
    else continue;
    ws.touch(r);
  }
  for (const a of ws.carePlan.activity ?? []) if (a.detail && a.detail.status === 'not-started') a.detail.status = 'cancelled';
};

/**
 * The care coordinator is requested from the hospital department for the most complex stratum, else from the
 * municipality (the DOMAIN's rule; a machine may name the `sector` itself): the appoint-care-coordinator Task the
 * machine creates next goes there.
 */
export const requestCoordinator: Effect = async ({ ws, owners }, { stratum, sector }) => {
  const team = await ws.careTeam();
  const open = (team?.participant ?? []).filter((p) => !p.period?.end);
  const department = open.find((p) => role(p, 'hospital-department'))?.member;
  const municipality = open.find((p) => role(p, 'municipality'))?.member;
  const hospital = sector ? sector === 'hospital' : stratum === '4';
  const chosen = hospital ? department ?? municipality : municipality ?? department;
  if (chosen) owners.set('appoint-care-coordinator', { reference: chosen.reference });
};
