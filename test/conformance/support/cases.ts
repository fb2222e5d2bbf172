/**
 * Derivation of test cases for one search parameter from the oracle's view of the data set:
 * positive cases (a value taken from the data, so the oracle expects at least one match) and
 * negative cases (values that match nothing or only a part). Every case's expected set is computed
 * by the oracle (oracle.ts), never assumed.
 */
import {
  compositeItems,
  dateRanges,
  encode,
  fold,
  matches,
  numberRange,
  paramByUrl,
  quantities,
  references,
  strings,
  tokens,
  uris,
  type Json,
  type ParamDef,
  type Prefix,
  type Query,
  type TypedValue,
} from './oracle.js';

export interface Item {
  id: string;
  resource: Json;
  values: TypedValue[];
}

export interface Case {
  label: string;
  polarity: 'positive' | 'negative';
  query: Query;
  /** The text after `code=` (not URL-encoded). */
  value: string;
  expected: string[];
  /** Set when the spec's readings disagree on this case: not asserted. */
  ambiguous?: string;
}

export interface Derived {
  cases: Case[];
  /** Why no positive case could be made (no value in the data set). */
  noData?: string;
}

const NONE = 'zz-no-such-value-7f3';

function expectedFor(param: ParamDef, items: Item[], q: Query, base: string, quantity: 'strict' | 'naive'): string[] {
  return items.filter((it) => matches(param, it.values, q, base, { quantity }, it.resource)).map((it) => it.id).sort();
}

/** Candidate chooser: prefer a value matched by a small but non-trivial share of the items. */
function choose<T>(cands: T[], count: (c: T) => number, total: number): T | undefined {
  const scored = cands.map((c, i) => ({ c, n: count(c), i })).filter((s) => s.n > 0);
  if (!scored.length) return undefined;
  const target = Math.max(1, Math.round(total * 0.2));
  scored.sort((a, b) => Math.abs(a.n - target) - Math.abs(b.n - target) || a.i - b.i);
  return scored[0].c;
}

function uniq<T>(list: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return list.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function deriveCases(param: ParamDef, items: Item[], base: string): Derived {
  const make = (label: string, polarity: Case['polarity'], query: Query): Case => {
    const expected = expectedFor(param, items, query, base, 'strict');
    const c: Case = { label, polarity, query, value: encode(query), expected };
    if (query.t === 'quantity' || (query.t === 'composite' && query.parts.some((p) => p.t === 'quantity'))) {
      const naive = expectedFor(param, items, query, base, 'naive');
      if (naive.join() !== expected.join()) c.ambiguous = `quantity prefix readings differ (range: ${expected.length}, plain: ${naive.length})`;
    }
    return c;
  };
  const withValues = items.filter((it) => it.values.length > 0);
  const total = items.length;
  switch (param.type) {
    case 'token':
      return tokenCases(param, withValues, total, make);
    case 'string':
      return stringCases(withValues, total, make);
    case 'date':
      return dateCases(withValues, total, make);
    case 'quantity':
      return quantityCases(withValues, total, make);
    case 'reference':
      return referenceCases(withValues, total, base, make);
    case 'uri':
      return uriCases(withValues, total, make);
    case 'composite':
      return compositeCases(param, items, total, base, make);
    default:
      return { cases: [], noData: `parameter type ${param.type} is not covered by the oracle` };
  }
}

type Make = (label: string, polarity: Case['polarity'], query: Query) => Case;

function tokenCases(param: ParamDef, items: Item[], total: number, make: Make): Derived {
  const all = items.flatMap((it) => tokens(it.values).map((t) => ({ t, id: it.id })));
  if (!all.length) return { cases: [], noData: 'no token value in the data set' };
  const count = (f: (t: (typeof all)[number]['t']) => boolean): number => new Set(all.filter((x) => f(x.t)).map((x) => x.id)).size;
  const cases: Case[] = [];
  const coded = uniq(all.map((x) => x.t).filter((t) => t.code !== undefined), (t) => `${t.system}|${t.code}`);
  const pick = choose(coded, (t) => count((u) => u.code === t.code), total);
  if (pick) cases.push(make('code', 'positive', { t: 'token', code: pick.code }));
  // Booleans and other small primitive value sets: each value.
  const plain = uniq(coded.filter((t) => t.kind === 'plain' || t.kind === 'code'), (t) => t.code!);
  if (plain.length <= 2 && param.code !== '_id') {
    for (const t of plain) if (t !== pick) cases.push(make(`code ${t.code}`, 'positive', { t: 'token', code: t.code }));
  }
  const withSystem = coded.filter((t) => t.system !== undefined && (t.kind === 'coding' || t.kind === 'identifier'));
  const sys = choose(withSystem, (t) => count((u) => u.system === t.system && u.code === t.code), total);
  if (sys) {
    cases.push(make('system|code', 'positive', { t: 'token', system: sys.system, code: sys.code }));
    cases.push(make('system|', 'positive', { t: 'token', system: sys.system }));
    cases.push(make('other-system|code', 'negative', { t: 'token', system: 'http://example.org/no-such-system', code: sys.code }));
  }
  const danish = withSystem.filter((t) => /^urn:oid:1\.2\.208\.|sid\/icd-10$|^http:\/\/forlob\.example\//.test(t.system!));
  const dk = choose(danish, (t) => count((u) => u.system === t.system && u.code === t.code), total);
  if (dk && dk !== sys) cases.push(make('system|code (CPR / ICD-10 / local system)', 'positive', { t: 'token', system: dk.system, code: dk.code }));
  // `|code` (explicitly no system): only where the spec is clear — Coding/Identifier without a
  // system, or boolean/string/id/uri values (primitive `code` has an implicit system).
  if (param.code !== '_id') {
    const noSystem = coded.filter((t) => t.system === undefined && (t.kind === 'coding' || t.kind === 'identifier' || t.kind === 'plain'));
    const ns = choose(noSystem, (t) => count((u) => u.system === undefined && u.code === t.code), total);
    if (ns) cases.push(make('|code', 'positive', { t: 'token', system: null, code: ns.code }));
    if (sys) cases.push(make('|code of a code that has a system', 'negative', { t: 'token', system: null, code: sys.code }));
  }
  cases.push(make('unknown code', 'negative', { t: 'token', code: NONE }));
  if (!pick) return { cases, noData: 'no token value with a code in the data set' };
  return { cases };
}

/** Transliterate the way a Danish user types without æ/ø/å (å as "aa" or "a") and accents. */
function typedWithout(s: string, aa = true): string {
  return s
    .replace(/Æ/g, 'Ae')
    .replace(/æ/g, 'ae')
    .replace(/Ø/g, 'O')
    .replace(/ø/g, 'o')
    .replace(/Å/g, aa ? 'Aa' : 'A')
    .replace(/å/g, aa ? 'aa' : 'a')
    .normalize('NFD')
    .replace(/\p{M}/gu, '');
}

function stringCases(items: Item[], total: number, make: Make): Derived {
  const all = uniq(items.flatMap((it) => strings(it.values)), (s) => s);
  if (!all.length) return { cases: [], noData: 'no string value in the data set' };
  const count = (q: string): number => items.filter((it) => strings(it.values).some((s) => fold(s).startsWith(fold(q)))).length;
  const cases: Case[] = [];
  // Prefixes of 3+ characters (not ending inside an "aa" that folds).
  const prefixes = all.map((s) => [...s].slice(0, Math.min(4, [...s].length)).join('')).filter((p) => p.trim().length >= 2);
  const prefix = choose(prefixes, count, total);
  if (prefix) cases.push(make('prefix', 'positive', { t: 'string', value: prefix }));
  const full = choose(all, count, total);
  if (full) cases.push(make('whole value, upper case', 'positive', { t: 'string', value: full.toUpperCase() }));
  const accented = all.find((s) => /[^\x00-\x7f]/.test(s) && /[æøåÆØÅ]/.test(s)) ?? all.find((s) => /[^\x00-\x7f]/.test(s));
  if (accented) {
    cases.push(make('without Danish letters/accents (å as aa)', 'positive', { t: 'string', value: typedWithout(accented) }));
    if (/[åÅ]/.test(accented)) cases.push(make('without Danish letters (å as a)', 'positive', { t: 'string', value: typedWithout(accented, false) }));
    cases.push(make('as written (Danish/accented)', 'positive', { t: 'string', value: accented.toLowerCase() }));
  }
  if (full) cases.push(make('value + extra characters', 'negative', { t: 'string', value: `${full}qx` }));
  cases.push(make('unknown text', 'negative', { t: 'string', value: 'Zqxwv' }));
  return { cases };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function dateCases(items: Item[], total: number, make: Make): Derived {
  const ranges = items.flatMap((it) => dateRanges(it.values));
  if (!ranges.length) return { cases: [], noData: 'no date value in the data set' };
  const cases: Case[] = [];
  // Candidate eq values: the raw strings and their coarser precisions.
  const raw: string[] = [];
  for (const it of items) {
    for (const v of it.values) {
      const ss = typeof v.value === 'string' ? [v.value] : v.value && typeof v.value === 'object' ? [v.value.start, v.value.end, ...(v.value.event ?? [])] : [];
      for (const s of ss) if (typeof s === 'string') raw.push(s, s.slice(0, 4), s.slice(0, 7), s.slice(0, 10));
    }
  }
  const cands = uniq(raw.filter((s) => /^\d{4}(-\d{2}(-\d{2})?)?$|T/.test(s)), (s) => s);
  const eqCount = (s: string): number => make('', 'positive', { t: 'date', prefix: 'eq', text: s }).expected.length;
  const eq = choose(cands, eqCount, total);
  if (eq) cases.push(make(`eq (${eq.length <= 10 ? 'date' : 'dateTime'} precision ${eq.length})`, 'positive', { t: 'date', prefix: 'eq', text: eq }));
  const finer = cands.filter((s) => s.includes('T'));
  const eqt = choose(finer, eqCount, total);
  if (eqt && eqt !== eq) cases.push(make('eq (dateTime)', 'positive', { t: 'date', prefix: 'eq', text: eqt }));
  const year = choose(uniq(cands.map((s) => s.slice(0, 4)), (s) => s), eqCount, total);
  if (year && year !== eq) cases.push(make('eq (year)', 'positive', { t: 'date', prefix: 'eq', text: year }));
  // A pivot day in the middle of the finite bounds.
  const finite = ranges.flatMap((r) => [r.lo, r.hi]).filter(Number.isFinite).sort((a, b) => a - b);
  const pivot = isoDay(finite[Math.floor(finite.length / 2)] ?? Date.UTC(2020, 0, 1));
  for (const prefix of ['ge', 'le', 'gt', 'lt', 'ne', 'sa', 'eb'] as Prefix[]) {
    cases.push(make(`${prefix} pivot day`, 'positive', { t: 'date', prefix, text: pivot }));
  }
  cases.push(make('ge dateTime with +01:00 offset', 'positive', { t: 'date', prefix: 'ge', text: `${pivot}T12:30:00+01:00` }));
  cases.push(make('lt dateTime in UTC', 'positive', { t: 'date', prefix: 'lt', text: `${pivot}T23:59:59Z` }));
  const month = pivot.slice(0, 7);
  cases.push(make('ge pivot month', 'positive', { t: 'date', prefix: 'ge', text: month }));
  cases.push(make('lt pivot year', 'positive', { t: 'date', prefix: 'lt', text: pivot.slice(0, 4) }));
  cases.push(make('eq far past day', 'negative', { t: 'date', prefix: 'eq', text: '1812-06-24' }));
  cases.push(make('lt far past', 'negative', { t: 'date', prefix: 'lt', text: '1800' }));
  cases.push(make('gt far future', 'negative', { t: 'date', prefix: 'gt', text: '2999-12-31' }));
  if (!eq) return { cases, noData: 'no eq value found' };
  return { cases };
}

/** A decimal text between a and b (a < b) whose precision range lies strictly between them. */
function between(a: number, b: number): string {
  const mid = (a + b) / 2;
  for (let d = 0; d < 10; d++) {
    const t = mid.toFixed(d);
    const r = numberRange(t);
    if (r.lo > a && r.hi < b) return t;
  }
  return mid.toFixed(10);
}

function quantityCases(items: Item[], total: number, make: Make): Derived {
  const all = items.flatMap((it) => quantities(it.values));
  if (!all.length) return { cases: [], noData: 'no Quantity value in the data set (Range/SampledData are not covered)' };
  const cases: Case[] = [];
  const text = (v: number): string => String(v);
  const eqCount = (q: (typeof all)[number]): number => make('', 'positive', { t: 'quantity', prefix: 'eq', number: text(q.value) }).expected.length;
  const pick = choose(all, eqCount, total)!;
  cases.push(make('number', 'positive', { t: 'quantity', prefix: 'eq', number: text(pick.value) }));
  // Implicit precision of the search value: "7" matches 7.2 (range [6.5, 7.5)).
  const fractional = all.find((q) => !Number.isInteger(q.value) && Math.abs(q.value - Math.round(q.value)) < 0.45);
  if (fractional) cases.push(make('integer value matching a decimal (implicit precision)', 'positive', { t: 'quantity', prefix: 'eq', number: String(Math.round(fractional.value)) }));
  const integral = all.find((q) => Number.isInteger(q.value));
  if (integral) cases.push(make('more decimals than the value (precision narrower)', 'positive', { t: 'quantity', prefix: 'eq', number: `${integral.value}.00` }));
  const withUnit = all.find((q) => q.system && q.code) ?? undefined;
  if (withUnit) {
    cases.push(make('number|system|code', 'positive', { t: 'quantity', prefix: 'eq', number: text(withUnit.value), system: withUnit.system, code: withUnit.code }));
    cases.push(make('number||code', 'positive', { t: 'quantity', prefix: 'eq', number: text(withUnit.value), codeOrUnit: withUnit.code }));
    cases.push(make('number|system|other code', 'negative', { t: 'quantity', prefix: 'eq', number: text(withUnit.value), system: withUnit.system, code: 'zz-unit' }));
  }
  const humanUnit = all.find((q) => q.unit && q.code && q.unit !== q.code);
  if (humanUnit) cases.push(make('number||unit (human unit)', 'positive', { t: 'quantity', prefix: 'eq', number: text(humanUnit.value), codeOrUnit: humanUnit.unit }));
  // Prefixes with a threshold in a gap between values.
  const distinct = [...new Set(all.map((q) => q.value))].sort((a, b) => a - b);
  if (distinct.length >= 2) {
    const i = Math.floor(distinct.length / 2);
    const t = between(distinct[i - 1], distinct[i]);
    for (const prefix of ['gt', 'lt', 'ge', 'le'] as Prefix[]) cases.push(make(`${prefix} between values`, 'positive', { t: 'quantity', prefix, number: t }));
    if (withUnit) cases.push(make('gt between values |system|code', 'positive', { t: 'quantity', prefix: 'gt', number: t, system: withUnit.system, code: withUnit.code }));
  }
  cases.push(make('far value', 'negative', { t: 'quantity', prefix: 'eq', number: '987654321' }));
  cases.push(make('gt far value', 'negative', { t: 'quantity', prefix: 'gt', number: '987654321' }));
  return { cases };
}

function referenceCases(items: Item[], total: number, base: string, make: Make): Derived {
  const all = items.flatMap((it) => references(it.values, base));
  if (!all.length) return { cases: [], noData: 'no reference value in the data set' };
  const cases: Case[] = [];
  const locals = uniq(all.filter((r) => r.kind === 'local'), (r) => (r.kind === 'local' ? `${r.type}/${r.id}` : ''));
  const count = (q: Query): number => make('', 'positive', q).expected.length;
  const local = choose(locals, (r) => (r.kind === 'local' ? count({ t: 'reference', type: r.type, id: r.id }) : 0), total);
  if (local && local.kind === 'local') {
    cases.push(make('Type/id', 'positive', { t: 'reference', type: local.type, id: local.id }));
    cases.push(make('id', 'positive', { t: 'reference', id: local.id }));
    cases.push(make('OtherType/id', 'negative', { t: 'reference', type: local.type === 'Group' ? 'Device' : 'Group', id: local.id }));
    cases.push(make('absolute URL on this server', 'positive', { t: 'reference', url: `${base}/${local.type}/${local.id}` }));
    cases.push(make('Type/unknown id', 'negative', { t: 'reference', type: local.type, id: NONE }));
  }
  // Relative canonicals (e.g. `Measure/x` in relatedArtifact.resource of some R4 examples) are not
  // used as queries: canonical references must be absolute, and `Type/id` is a local reference.
  const urls = uniq(all.filter((r) => r.kind === 'url' && /^[a-z][a-z0-9+.-]*:/i.test(r.url)), (r) => (r.kind === 'url' ? r.url : ''));
  const url = choose(urls, (r) => (r.kind === 'url' ? count({ t: 'reference', url: r.url }) : 0), total);
  if (url && url.kind === 'url') {
    cases.push(make('absolute URL / canonical', 'positive', { t: 'reference', url: url.url }));
    const versioned = urls.find((r) => r.kind === 'url' && r.url.includes('|'));
    if (versioned && versioned.kind === 'url') {
      cases.push(make('canonical|version', 'positive', { t: 'reference', url: versioned.url }));
      cases.push(make('canonical without its version', 'positive', { t: 'reference', url: versioned.unversioned }));
      cases.push(make('canonical|other version', 'negative', { t: 'reference', url: `${versioned.unversioned}|0.0.0-zz` }));
    }
    cases.push(make('unknown URL', 'negative', { t: 'reference', url: `${url.unversioned}-zz` }));
  }
  cases.push(make('unknown id', 'negative', { t: 'reference', id: NONE }));
  return { cases };
}

function uriCases(items: Item[], total: number, make: Make): Derived {
  const all = uniq(items.flatMap((it) => uris(it.values)), (s) => s);
  if (!all.length) return { cases: [], noData: 'no uri value in the data set' };
  const count = (s: string): number => make('', 'positive', { t: 'uri', value: s }).expected.length;
  const pick = choose(all, count, total)!;
  return {
    cases: [
      make('exact', 'positive', { t: 'uri', value: pick }),
      make('a prefix of a value (exact match only)', 'negative', { t: 'uri', value: pick.slice(0, Math.max(1, pick.length - 3)) }),
      make('value + suffix', 'negative', { t: 'uri', value: `${pick}/zz` }),
    ],
  };
}

/** A query for one component value (token, quantity, date, string, reference, uri). */
function componentQuery(type: string, values: TypedValue[], base: string): Query | undefined {
  switch (type) {
    case 'token': {
      const t = tokens(values).find((x) => x.code !== undefined);
      if (!t) return undefined;
      return t.system !== undefined && (t.kind === 'coding' || t.kind === 'identifier') ? { t: 'token', system: t.system, code: t.code } : { t: 'token', code: t.code };
    }
    case 'quantity': {
      const q = quantities(values)[0];
      if (!q) return undefined;
      return { t: 'quantity', prefix: 'eq', number: String(q.value), ...(q.system && q.code ? { system: q.system, code: q.code } : {}) };
    }
    case 'date': {
      const s = values.map((v) => (typeof v.value === 'string' ? v.value : v.value?.start)).find((x) => typeof x === 'string');
      return s ? { t: 'date', prefix: 'eq', text: s } : undefined;
    }
    case 'string': {
      const s = strings(values)[0];
      return s ? { t: 'string', value: s } : undefined;
    }
    case 'reference': {
      const r = references(values, base)[0];
      if (!r) return undefined;
      return r.kind === 'local' ? { t: 'reference', type: r.type, id: r.id } : { t: 'reference', url: r.url };
    }
    case 'uri': {
      const u = uris(values)[0];
      return u ? { t: 'uri', value: u } : undefined;
    }
    default:
      return undefined;
  }
}

function negativeComponent(q: Query): Query {
  switch (q.t) {
    case 'token':
      return { ...q, code: NONE };
    case 'quantity':
      return { ...q, number: '987654321' };
    case 'date':
      return { ...q, text: '1812-06-24' };
    case 'string':
      return { ...q, value: 'Zqxwv' };
    case 'reference':
      return q.url !== undefined ? { ...q, url: `${q.url}-zz` } : { ...q, id: NONE };
    case 'uri':
      return { ...q, value: `${q.value}/zz` };
    default:
      return q;
  }
}

function compositeCases(param: ParamDef, items: Item[], total: number, base: string, make: Make): Derived {
  const types = param.component!.map((c) => paramByUrl(c.definition)?.type as string);
  const cands: Query[] = [];
  for (const it of items) {
    for (const element of compositeItems(param, it.resource)) {
      const parts = element.map((vals, i) => componentQuery(types[i], vals, base));
      if (parts.every((p) => p !== undefined)) cands.push({ t: 'composite', parts: parts as Query[] });
    }
  }
  if (!cands.length) return { cases: [], noData: 'no element with every component in the data set' };
  const pick = choose(uniq(cands, encode), (q) => make('', 'positive', q).expected.length, total)!;
  if (pick.t !== 'composite') return { cases: [] };
  const last = pick.parts.length - 1;
  return {
    cases: [
      make('all components', 'positive', pick),
      make('first component matches, last does not', 'negative', { t: 'composite', parts: pick.parts.map((p, i) => (i === last ? negativeComponent(p) : p)) }),
      make('first component does not match', 'negative', { t: 'composite', parts: pick.parts.map((p, i) => (i === 0 ? negativeComponent(p) : p)) }),
    ],
  };
}
