import type { Duration, PlanDefinitionAction, Timing } from '@medplum/fhirtypes';

/*
 * When the steps of a course are due, estimated from the enrolment date: an action without relatedAction
 * starts on the enrolment day; one with relatedAction starts at the related action's start or end (per the
 * relationship) plus (or, for `before…`, minus) its offset. An action lasts its timingDuration, or its
 * timingTiming's count × period (6 weekly sessions last 6 weeks), else nothing. Estimates, for planning:
 * the workflow reschedules from what really happens.
 */

const DANISH_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date (YYYY-MM-DD) of an instant in Denmark: ages and due dates follow the Danish day. */
export function danishDate(instant: string): string {
  return DANISH_DATE.format(new Date(instant));
}

/** Days, months or years to add, from a UCUM (or plain English) unit. */
const UNITS: Record<string, { days?: number; months?: number }> = {
  a: { months: 12 }, year: { months: 12 }, years: { months: 12 },
  mo: { months: 1 }, month: { months: 1 }, months: { months: 1 },
  wk: { days: 7 }, week: { days: 7 }, weeks: { days: 7 },
  d: { days: 1 }, day: { days: 1 }, days: { days: 1 },
};

/** `date` (YYYY-MM-DD) plus `value` units; undefined for units finer than a day or unknown. */
export function addToDate(date: string, value: number, unit: string | undefined): string | undefined {
  const u = unit ? UNITS[unit] : undefined;
  if (!u || !Number.isFinite(value)) return undefined;
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  if (u.months) {
    // Month arithmetic on the calendar, clamped to the month's last day (31 Jan + 1 mo = 28/29 Feb).
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + Math.round(value * u.months));
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
  } else {
    d.setUTCDate(d.getUTCDate() + Math.round(value * u.days!));
  }
  return d.toISOString().slice(0, 10);
}

function addDuration(date: string, duration: Duration | undefined, sign = 1): string {
  if (duration?.value === undefined) return date;
  return addToDate(date, sign * duration.value, duration.code ?? duration.unit) ?? date;
}

/** The date an action ends, given its start. */
function endOf(action: PlanDefinitionAction, start: string): string {
  if (action.timingDuration) return addDuration(start, action.timingDuration);
  const repeat = (action.timingTiming as Timing | undefined)?.repeat;
  if (repeat?.boundsDuration) return addDuration(start, repeat.boundsDuration);
  if (repeat?.count && repeat.period) return addToDate(start, repeat.count * repeat.period, repeat.periodUnit) ?? start;
  return start;
}

/**
 * The estimated start date of each of `actions`, counting from `enrolled`. relatedAction names other actions
 * by id; a relatedAction to an unknown id, or a cycle, starts on the enrolment day.
 */
export function estimateStarts(actions: PlanDefinitionAction[], enrolled: string): Map<PlanDefinitionAction, string> {
  const byId = new Map(actions.filter((a) => a.id).map((a) => [a.id!, a]));
  const starts = new Map<PlanDefinitionAction, string>();
  const visiting = new Set<PlanDefinitionAction>();
  const startOf = (action: PlanDefinitionAction): string => {
    const known = starts.get(action);
    if (known) return known;
    let start = enrolled;
    const rel = action.relatedAction?.find((r) => r.actionId && byId.has(r.actionId));
    if (rel && !visiting.has(action)) {
      visiting.add(action);
      const target = byId.get(rel.actionId!)!;
      const targetStart = startOf(target);
      const relationship = rel.relationship ?? 'after';
      const atEnd = relationship.endsWith('-end') || relationship === 'after';
      const anchor = atEnd ? endOf(target, targetStart) : targetStart;
      const offset = rel.offsetDuration ?? (rel.offsetRange?.low as Duration | undefined);
      start = addDuration(anchor, offset, relationship.startsWith('before') ? -1 : 1);
      visiting.delete(action);
    }
    starts.set(action, start);
    return start;
  };
  for (const a of actions) startOf(a);
  return starts;
}

/** Whether an action waits for another one (so it is planned, not ordered now). */
export function dependsOnOther(action: PlanDefinitionAction): boolean {
  return !!action.relatedAction?.length;
}
