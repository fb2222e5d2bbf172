/**
 * Value normalisation shared by index extraction (extract.ts) and query parsing (parse.ts).
 * Whatever is folded here is folded identically on both sides, so indexed and searched values meet.
 */

/**
 * Folds a string for default (prefix) and `:contains` string matching.
 *
 * Steps, in order:
 * 1. lowercase;
 * 2. Danish letters as Danish users type them on keyboards without them:
 *    æ → "ae", ø → "o", å → "a";
 * 3. accents stripped (NFD, combining marks removed): é → e, ü → u, ö → o, ...;
 * 4. "aa" → "a": the old spelling of å ("Aabenraa") and the keyboard-less "Abenra" both fold to
 *    "abenra", the same as "Åbenrå". So "Åbenrå", "Aabenraa" and "Abenra" are all found by each other.
 *    (A side effect, harmless for searching: every double "aa" is folded, e.g. "Maas" ~ "Mas".)
 * 5. runs of whitespace collapse to one space, leading/trailing whitespace is removed.
 *
 * "oe" is NOT folded to "o" (so "Soerensen" does not find "Sørensen"); only the foldings above.
 */
export function foldString(input: string): string {
  let s = input.toLowerCase();
  // Fast path: plain ASCII without "aa" and no double spaces needs no further work.
  if (/^[\x20-\x7e]*$/.test(s)) {
    if (s.includes('aa')) s = s.replace(/a{2}/g, 'a');
    if (/\s{2}|^\s|\s$/.test(s)) s = s.replace(/\s+/g, ' ').trim();
    return s;
  }
  s = s.replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/å/g, 'a');
  s = s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  s = s.replace(/a{2}/g, 'a');
  return s.replace(/\s+/g, ' ').trim();
}

/** The largest code point: appended to a prefix it gives an exclusive upper bound for BINARY collation. */
export const MAX_CHAR = String.fromCodePoint(0x10ffff);

/** Escape `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/** Smallest and largest representable instants; used for open Period ends. */
export const MIN_DATE = -8.64e15;
export const MAX_DATE = 8.64e15;

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The implicit range [lo, hi) in epoch milliseconds of a FHIR date, dateTime or instant, from its
 * precision: "1970" → [1970-01-01, 1971-01-01); "2020-03-04T10:15" → that minute; seconds with
 * fraction → that millisecond (or the fraction's precision when shorter). Values without a time zone
 * are taken as UTC. Returns undefined for malformed values.
 */
export function dateRange(value: string): { lo: number; hi: number } | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const day = m[3] === undefined ? undefined : Number(m[3]);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (month === undefined) {
    return { lo: utc(year, 0, 1), hi: utc(year + 1, 0, 1) };
  }
  if (day === undefined) {
    const lo = utc(year, month - 1, 1);
    return { lo, hi: month === 12 ? utc(year + 1, 0, 1) : utc(year, month, 1) };
  }
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // 29 for Feb (leap year 2000)
  if (day < 1 || day > daysInMonth) return undefined;
  if (month === 2 && day === 29 && !isLeap(year)) return undefined;
  if (m[4] === undefined) {
    const lo = utc(year, month - 1, day);
    return { lo, hi: lo + 86_400_000 };
  }
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  if (hour > 23 || minute > 59) {
    // 24:00 is not valid FHIR.
    return undefined;
  }
  let offset = 0;
  const tz = m[8];
  if (tz && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const th = Number(tz.slice(1, 3));
    const tm = Number(tz.slice(4, 6));
    if (th > 14 || tm > 59) return undefined;
    offset = sign * (th * 60 + tm) * 60_000;
  }
  let lo = utc(year, month - 1, day) + (hour * 60 + minute) * 60_000 - offset;
  if (m[6] === undefined) return { lo, hi: lo + 60_000 };
  const second = Number(m[6]);
  if (second > 60) return undefined; // 60: leap second, tolerated
  lo += second * 1000;
  const frac = m[7];
  if (frac === undefined) return { lo, hi: lo + 1000 };
  const digits = Math.min(frac.length, 3);
  const step = 10 ** (3 - digits);
  lo += Math.floor(Number(frac.slice(0, 3).padEnd(3, '0')));
  return { lo, hi: lo + step };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Date.UTC maps years 0..99 to 1900..1999; correct for that. */
function utc(year: number, monthIndex: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

const NUMBER_RE = /^[+-]?(?:\d+(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/**
 * A decimal with its implicit precision range: "100" → [99.5, 100.5); "1.50" → [1.495, 1.505);
 * "1e2" (one significant figure) → [50, 150). Undefined when not a number.
 */
export function numberRange(text: string): { value: number; lo: number; hi: number } | undefined {
  const m = NUMBER_RE.exec(text);
  if (!m) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  const fraction = m[1] ?? m[2] ?? '';
  const exponent = m[3] === undefined ? 0 : Number(m[3]);
  const decimals = fraction.length - exponent;
  const half = 0.5 * 10 ** -decimals;
  return { value, lo: value - half, hi: value + half };
}

/** The implicit range of a JSON number as stored in a resource (its shortest decimal form). */
export function numberRangeOf(value: number): { value: number; lo: number; hi: number } {
  return numberRange(String(value)) ?? { value, lo: value, hi: value };
}
