import type { CareTeam, CareTeamParticipant, Task } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/errors.js';
import { CS, isOpenTask } from '../../programmes/model.js';
import type { WorkingSet } from '../working-set.js';
import type { Effect } from './effect.js';

/*
 * CareTeam effects. Participants carry periods: a role holder's period ends when the next one's begins, so the
 * team's history says who was responsible when. The care coordinator changes in the relay ("stafet") style:
 * the receiver gets a handover Task; until it accepts, the current coordinator stays on the team.
 */

const HANDOVER = 'coordinator-handover';

const hasRole = (p: CareTeamParticipant, code: string) =>
  p.role?.some((r) => r.coding?.some((c) => c.system === CS.careteamRole && c.code === code)) ?? false;

async function existing(ws: WorkingSet, reference: string, field: string): Promise<void> {
  if (!(await ws.load(reference))) badRequest(`${field}: ${reference} does not exist`);
}

async function team(ws: WorkingSet): Promise<CareTeam> {
  const t = await ws.careTeam();
  if (!t) badRequest(`CarePlan/${ws.carePlan.id} has no care team`);
  return t!;
}

/** End the open holders of `role` (other than `member`) and add `member`; false when it already holds it. */
function handRole(t: CareTeam, role: string, member: string, now: string): boolean {
  const holders = (t.participant ?? []).filter((p) => hasRole(p, role) && !p.period?.end);
  if (holders.some((p) => p.member?.reference === member)) return false;
  for (const p of holders) p.period = { ...p.period, end: now };
  (t.participant ??= []).push({ role: [{ coding: [{ system: CS.careteamRole, code: role }] }], member: { reference: member }, period: { start: now } });
  return true;
}

export const setTovholder: Effect = async ({ ws, now }, { practitioner }) => {
  const member = String(practitioner);
  await existing(ws, member, 'practitioner');
  const t = await team(ws);
  if (!handRole(t, 'tovholder', member, now)) return;
  ws.touch(t);
  const episode = await ws.episode();
  if (episode && member.startsWith('Practitioner/')) {
    episode.careManager = { reference: member };
    ws.touch(episode);
  }
};

export const assignCoordinator: Effect = async ({ ws }, { practitioner }) => {
  await existing(ws, String(practitioner), 'practitioner');
};

async function openHandovers(ws: WorkingSet): Promise<Task[]> {
  return (await ws.tasks()).filter((t) => t.code?.coding?.some((c) => c.code === HANDOVER) && isOpenTask(t));
}

export const startHandover: Effect = async ({ ws, now }, { to }) => {
  // A new receiver replaces a handover still waiting for its receiver.
  for (const t of await openHandovers(ws)) {
    Object.assign(t, { status: 'cancelled', lastModified: now, statusReason: { text: 'Handed over to someone else' } });
    ws.touch(t);
  }
  const current = (await team(ws)).participant?.find((p) => hasRole(p, 'care-coordinator') && !p.period?.end)?.member;
  const task = ws.create<Task>({
    resourceType: 'Task',
    basedOn: [ws.carePlanRef],
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: CS.activityType, code: HANDOVER }], text: 'Accept the care coordination' },
    description: current
      ? `Relay handover from ${current.reference}: they stay responsible until you accept.`
      : 'Accept the care coordination of this course.',
    for: ws.patientRef,
    authoredOn: now,
    owner: { reference: String(to) },
  });
  (ws.carePlan.activity ??= []).push({ reference: { reference: `Task/${task.id}` } });
};

export const acceptHandover: Effect = async ({ ws, now }, { by }) => {
  for (const t of await openHandovers(ws)) {
    Object.assign(t, { status: 'completed', lastModified: now, executionPeriod: { start: t.authoredOn ?? now, end: now } });
    ws.touch(t);
  }
  const t = await team(ws);
  if (handRole(t, 'care-coordinator', String(by), now)) ws.touch(t);
};
