import type { CarePlan, CareTeam, EpisodeOfCare, Extension } from '@medplum/fhirtypes';
import { EXT } from '../../programmes/model.js';
import type { Effect } from './effect.js';

/*
 * Lifecycle effects: the CarePlan's status and its status-history extension (one entry per status, the open
 * one closed when the next begins), the EpisodeOfCare's status and statusHistory, the CareTeam following its
 * episode, and the outcome of a course written as a CarePlan note. Activating a draft plan activates the
 * requests that waited for it (the Tasks and ServiceRequests $apply wrote as drafts).
 */

const CLOSED = new Set(['completed', 'revoked', 'entered-in-error']);

function statusEntry(ext: Extension) {
  return {
    status: ext.extension?.find((e) => e.url === 'status'),
    period: ext.extension?.find((e) => e.url === 'period'),
  };
}

export function changeCarePlanStatus(plan: CarePlan, status: CarePlan['status'], now: string): void {
  if (plan.status === status) return;
  const ext = (plan.extension ??= []);
  for (const e of ext) {
    if (e.url !== EXT.statusHistory) continue;
    const { period } = statusEntry(e);
    if (period?.valuePeriod && !period.valuePeriod.end) period.valuePeriod.end = now;
  }
  // The history entries stay together, in order, after the last one.
  const last = ext.map((e) => e.url).lastIndexOf(EXT.statusHistory);
  const entry: Extension = { url: EXT.statusHistory, extension: [{ url: 'status', valueCode: status }, { url: 'period', valuePeriod: { start: now } }] };
  ext.splice(last < 0 ? ext.length : last + 1, 0, entry);
  plan.status = status;
  if (CLOSED.has(status)) plan.period = { ...plan.period, end: now };
}

export const setCarePlanStatus: Effect = async ({ ws, now }, { status }) => {
  const plan = ws.carePlan;
  const wasDraft = plan.status === 'draft';
  changeCarePlanStatus(plan, status as CarePlan['status'], now);
  if (!(wasDraft && status === 'active')) return;
  for (const r of await ws.requests()) {
    if (r.status !== 'draft') continue;
    r.status = r.resourceType === 'Task' ? 'requested' : 'active';
    ws.touch(r);
  }
};

export function changeEpisodeStatus(episode: EpisodeOfCare, status: EpisodeOfCare['status'], now: string): void {
  if (episode.status === status) return;
  for (const h of episode.statusHistory ?? []) if (!h.period.end) h.period.end = now;
  (episode.statusHistory ??= []).push({ status, period: { start: now } });
  episode.status = status;
  if (status === 'finished' || status === 'cancelled') episode.period = { ...episode.period, end: now };
}

function followEpisode(team: CareTeam, status: EpisodeOfCare['status'], now: string): boolean {
  const next: CareTeam['status'] | undefined = status === 'active' ? 'active' : status === 'finished' || status === 'cancelled' ? 'inactive' : undefined;
  if (!next || team.status === next) return false;
  team.status = next;
  if (next === 'inactive') {
    team.period = { ...team.period, end: now };
    for (const p of team.participant ?? []) if (p.period && !p.period.end) p.period.end = now;
  }
  return true;
}

export const setEpisodeStatus: Effect = async ({ ws, now }, { status }) => {
  const episode = await ws.episode();
  if (episode) {
    changeEpisodeStatus(episode, status as EpisodeOfCare['status'], now);
    ws.touch(episode);
  }
  const team = await ws.careTeam();
  if (team && followEpisode(team, status as EpisodeOfCare['status'], now)) ws.touch(team);
};

const OUTCOME_TEXT: Record<string, string> = {
  ineligible: 'Not eligible at screening',
  declined: 'The patient declined the course',
  withdrawn: 'The patient left the course',
  transferred: 'The course was transferred',
  vulnerable: 'Flagged as vulnerable: a care coordinator is requested',
};

export const recordOutcome: Effect = async ({ ws, now, by }, { outcome, reason, to }) => {
  const text = [OUTCOME_TEXT[String(outcome)] ?? String(outcome), to && `to ${String(to)}`, reason && `— ${String(reason)}`].filter(Boolean).join(' ');
  (ws.carePlan.note ??= []).push({ text, time: now, ...(authorOf(by) && { authorReference: authorOf(by) }) });
};

/** Annotation.author admits Practitioner, Patient, RelatedPerson and Organization. */
export function authorOf(by: string | undefined) {
  return by && /^(Practitioner|Patient|RelatedPerson|Organization)\//.test(by) ? { reference: by } : undefined;
}
