/*
 * ISO 8601 durations (P3M, P14D, PT2H, P1Y2M10DT2H30M) added to instants, for durable timers and
 * $advance-clock. Years and months move on the calendar (UTC), clamped to the month's last day, so
 * 31 January + P1M is the last day of February; weeks, days and times add exact amounts.
 */

export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** The duration, or undefined when `text` is not an ISO 8601 duration with at least one part. */
export function parseIsoDuration(text: string): IsoDuration | undefined {
  const m = ISO.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const n = (i: number) => (m[i] ? Number(m[i]) : 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/** `instant` plus `duration` as an ISO instant; throws on a malformed duration (machine data is trusted). */
export function addIsoDuration(instant: string, duration: string | IsoDuration): string {
  const d = typeof duration === 'string' ? parseIsoDuration(duration) : duration;
  if (!d) throw new Error(`Not an ISO 8601 duration: ${String(duration)}`);
  const t = new Date(instant);
  const months = d.years * 12 + d.months;
  if (months) {
    const day = t.getUTCDate();
    t.setUTCDate(1);
    t.setUTCMonth(t.getUTCMonth() + months);
    const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
    t.setUTCDate(Math.min(day, last));
  }
  const ms = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60_000 + d.seconds * 1000;
  return new Date(t.getTime() + ms).toISOString();
}

/** UCUM time units of a FHIR Duration → the ISO duration they make (undefined for other units). */
export function fhirDurationToIso(value: number, code: string | undefined): IsoDuration | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const zero: IsoDuration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  const whole = Number.isInteger(value);
  switch (code) {
    case 'a': return whole ? { ...zero, years: value } : undefined;
    case 'mo': return whole ? { ...zero, months: value } : undefined;
    case 'wk': return { ...zero, days: value * 7 };
    case 'd': return { ...zero, days: value };
    case 'h': return { ...zero, hours: value };
    case 'min': return { ...zero, minutes: value };
    case 's': return { ...zero, seconds: value };
    default: return undefined;
  }
}
