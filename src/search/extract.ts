import type { TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { emptyIndex, type IndexEntries } from './index-types.js';
import { dateRange, foldString, MAX_DATE, MIN_DATE, numberRangeOf } from './normalize.js';
import { indexedParams, type ParamInfo } from './params.js';
import { parseReference } from './references.js';

/**
 * Index rows extracted from a resource, for every search parameter of its type (see params.ts).
 *
 * Row shapes per parameter type:
 * - token: Coding / CodeableConcept.coding (system|code), Identifier (system|value), ContactPoint
 *   (system = ContactPoint.system, value), code/boolean/string/id/uri primitives (system null).
 *   Values are stored as-is (token matching is exact, case-sensitive). Primitive `code` elements get no
 *   implicit system, so `gender=http://hl7.org/fhir/administrative-gender|male` does not match; `male`
 *   and `|male` do.
 *   Derived rows for modifiers (stored under a derived code so no schema change is needed):
 *   - `<code>:text` (string table): CodeableConcept.text, Coding.display, Identifier.type.text — for `:text`;
 *   - `<code>:of-type` (token table): Identifier with a type: system = type coding system,
 *     value = `<type code>|<identifier value>` — for `:of-type`.
 * - string: HumanName (family, given, prefix, suffix, text and, when text is absent, "given family"),
 *   Address (line, city, district, state, postalCode, country, text), plain strings; `norm` folded
 *   by `foldString`, `exact` the original.
 * - date: date/dateTime/instant → implicit precision range; Period → [start.lo, end.hi) with open ends
 *   unbounded; Timing → each event.
 * - number: [lo, hi) from the value's implicit precision (100 → [99.5, 100.5)).
 * - quantity: Quantity and its profiles (Age, Duration, ...), Money; unit = code, and a second row
 *   with the human unit when it differs, so `|code` matches code or unit.
 * - reference: Reference.reference split (references.ts); `#contained` ignored; canonical/uri values
 *   go to `url` (a `|version` canonical also gets an unversioned row). Reference.identifier gives a
 *   token row under `<code>:identifier` (for the `:identifier` modifier).
 * - uri: the value.
 * Composite and special parameters are not indexed (not supported in this pass); `_id` and
 * `_lastUpdated` are columns of the store.
 */
export function extractIndex(resource: Resource): IndexEntries {
  const out = new Collector();
  const root: TypedValue = { type: resource.resourceType, value: resource };
  for (const param of indexedParams(resource.resourceType)) {
    const values = param.evaluate(root);
    if (values.length === 0) continue;
    addValues(out, param, values);
  }
  return out.index;
}

/** Index rows of one parameter only (used for _include). */
export function extractParam(resource: Resource, param: ParamInfo): IndexEntries {
  const out = new Collector();
  const values = param.evaluate({ type: resource.resourceType, value: resource });
  if (values.length) addValues(out, param, values);
  return out.index;
}

class Collector {
  readonly index: IndexEntries = emptyIndex();
  private readonly seen = new Set<string>();

  private fresh(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  token(code: string, system: string | null | undefined, value: string | null | undefined): void {
    const s = system ?? null;
    const v = value ?? null;
    if (s === null && v === null) return;
    if (this.fresh(`t\u0000${code}\u0000${s}\u0000${v}`)) this.index.token.push({ code, system: s, value: v });
  }

  string(code: string, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    if (this.fresh(`s\u0000${code}\u0000${value}`)) this.index.string.push({ code, norm: foldString(value), exact: value });
  }

  date(code: string, lo: number, hi: number): void {
    if (this.fresh(`d\u0000${code}\u0000${lo}\u0000${hi}`)) this.index.date.push({ code, lo, hi });
  }

  number(code: string, value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.fresh(`n\u0000${code}\u0000${value}`)) this.index.number.push({ code, ...numberRangeOf(value) });
  }

  quantity(code: string, value: number, system: string | null, unit: string | null): void {
    if (!Number.isFinite(value)) return;
    if (this.fresh(`q\u0000${code}\u0000${value}\u0000${system}\u0000${unit}`)) {
      this.index.quantity.push({ code, ...numberRangeOf(value), system, unit });
    }
  }

  reference(code: string, targetType: string | null, targetId: string | null, url: string | null): void {
    if (this.fresh(`r\u0000${code}\u0000${targetType}\u0000${targetId}\u0000${url}`)) {
      this.index.reference.push({ code, targetType, targetId, url });
    }
  }

  uri(code: string, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    if (this.fresh(`u\u0000${code}\u0000${value}`)) this.index.uri.push({ code, value });
  }
}

type Obj = Record<string, any>;

function addValues(out: Collector, param: ParamInfo, values: TypedValue[]): void {
  const code = param.code;
  switch (param.type) {
    case 'token':
      for (const v of values) addToken(out, code, v);
      break;
    case 'string':
      for (const v of values) addString(out, code, v);
      break;
    case 'date':
      for (const v of values) addDate(out, code, v);
      break;
    case 'number':
      for (const v of values) {
        if (typeof v.value === 'number') out.number(code, v.value);
        else if (typeof v.value === 'string' && v.value.trim() !== '' && !Number.isNaN(Number(v.value))) out.number(code, Number(v.value));
      }
      break;
    case 'quantity':
      for (const v of values) addQuantity(out, code, v);
      break;
    case 'reference':
      for (const v of values) addReference(out, code, v);
      break;
    case 'uri':
      for (const v of values) if (typeof v.value === 'string') out.uri(code, v.value);
      break;
    default:
      break;
  }
}

function addCoding(out: Collector, code: string, c: Obj | undefined): void {
  if (!c || typeof c !== 'object') return;
  if (c.code !== undefined || c.system !== undefined) out.token(code, c.system, c.code);
  if (c.display) out.string(`${code}:text`, c.display);
}

function addToken(out: Collector, code: string, v: TypedValue): void {
  const value = v.value;
  if (value === null || value === undefined) return;
  if (typeof value !== 'object') {
    out.token(code, null, String(value));
    return;
  }
  const o = value as Obj;
  switch (v.type) {
    case 'CodeableConcept':
      if (Array.isArray(o.coding)) for (const c of o.coding) addCoding(out, code, c);
      if (o.text) out.string(`${code}:text`, o.text);
      break;
    case 'Coding':
      addCoding(out, code, o);
      break;
    case 'Identifier':
      out.token(code, o.system, o.value);
      if (o.type) {
        if (Array.isArray(o.type.coding) && o.value !== undefined) {
          for (const c of o.type.coding) if (c?.code) out.token(`${code}:of-type`, c.system, `${c.code}|${o.value}`);
        }
        if (o.type.text) out.string(`${code}:text`, o.type.text);
      }
      break;
    case 'ContactPoint':
      if (o.value !== undefined) out.token(code, o.system, o.value);
      break;
    default:
      // Other complex types as tokens: take a code/value pair when there is one.
      if (typeof o.code === 'string' || typeof o.value === 'string') out.token(code, o.system, o.code ?? o.value);
      break;
  }
}

function addString(out: Collector, code: string, v: TypedValue): void {
  const value = v.value;
  if (typeof value === 'string') {
    out.string(code, value);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Obj;
  switch (v.type) {
    case 'HumanName': {
      out.string(code, o.family);
      each(o.given, (g) => out.string(code, g));
      each(o.prefix, (p) => out.string(code, p));
      each(o.suffix, (s) => out.string(code, s));
      if (o.text) out.string(code, o.text);
      else {
        const full = [...(Array.isArray(o.given) ? o.given : []), o.family].filter((x) => typeof x === 'string' && x).join(' ');
        if (full.includes(' ')) out.string(code, full);
      }
      break;
    }
    case 'Address':
      each(o.line, (l) => out.string(code, l));
      out.string(code, o.city);
      out.string(code, o.district);
      out.string(code, o.state);
      out.string(code, o.postalCode);
      out.string(code, o.country);
      out.string(code, o.text);
      break;
    case 'CodeableConcept':
      out.string(code, o.text);
      if (Array.isArray(o.coding)) for (const c of o.coding) out.string(code, c?.display);
      break;
    case 'Coding':
      out.string(code, o.display);
      break;
    default:
      break;
  }
}

function each(list: unknown, fn: (item: unknown) => void): void {
  if (Array.isArray(list)) for (const item of list) fn(item);
}

function addDate(out: Collector, code: string, v: TypedValue): void {
  const value = v.value;
  if (typeof value === 'string') {
    const r = dateRange(value);
    if (r) out.date(code, r.lo, r.hi);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Obj;
  if (v.type === 'Period') {
    const start = typeof o.start === 'string' ? dateRange(o.start) : undefined;
    const end = typeof o.end === 'string' ? dateRange(o.end) : undefined;
    if (!start && !end) return;
    out.date(code, start ? start.lo : MIN_DATE, end ? end.hi : MAX_DATE);
  } else if (v.type === 'Timing') {
    each(o.event, (e) => {
      const r = typeof e === 'string' ? dateRange(e) : undefined;
      if (r) out.date(code, r.lo, r.hi);
    });
  }
}

function addQuantity(out: Collector, code: string, v: TypedValue): void {
  const o = v.value as Obj;
  if (!o || typeof o !== 'object' || typeof o.value !== 'number') return;
  if (v.type === 'Money') {
    out.quantity(code, o.value, o.currency ? 'urn:iso:std:iso:4217' : null, o.currency ?? null);
    return;
  }
  if (v.type === 'SampledData' || v.type === 'Range' || v.type === 'Ratio') return;
  const system = typeof o.system === 'string' ? o.system : null;
  const unitCode = typeof o.code === 'string' ? o.code : null;
  const unit = typeof o.unit === 'string' ? o.unit : null;
  out.quantity(code, o.value, system, unitCode ?? unit);
  if (unitCode !== null && unit !== null && unit !== unitCode) out.quantity(code, o.value, system, unit);
}

function addReference(out: Collector, code: string, v: TypedValue): void {
  const value = v.value;
  if (typeof value === 'string') {
    // canonical / uri
    addReferenceString(out, code, value, true);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Obj;
  if (typeof o.reference === 'string') addReferenceString(out, code, o.reference, false);
  if (o.identifier && typeof o.identifier === 'object') out.token(`${code}:identifier`, o.identifier.system, o.identifier.value);
}

function addReferenceString(out: Collector, code: string, ref: string, canonical: boolean): void {
  if (canonical) {
    out.reference(code, null, null, ref);
    const bar = ref.indexOf('|');
    if (bar > 0) out.reference(code, null, null, ref.slice(0, bar));
    return;
  }
  const p = parseReference(ref);
  if (p) out.reference(code, p.targetType, p.targetId, p.url);
}
