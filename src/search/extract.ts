import type { TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { emptyIndex, type CompositePart, type IndexEntries } from './index-types.js';
import { dateRange, foldString, MAX_DATE, MIN_DATE, numberRangeOf } from './normalize.js';
import { indexedParams, type ComponentInfo, type ParamInfo } from './params.js';
import { parseReference } from './references.js';

/**
 * Index rows extracted from a resource, for every search parameter of its type (see params.ts).
 *
 * Row shapes per parameter type:
 * - token: Coding / CodeableConcept.coding (system|code), Identifier (system|value), ContactPoint
 *   (system = ContactPoint.system, value), code/boolean/string/id/uri primitives (system null).
 *   Values are stored as-is (token matching is exact, case-sensitive). A primitive `code` element
 *   with a required binding to a value set of one code system gets that system (params.ts
 *   `impliedSystem`): `gender=male` and `gender=http://hl7.org/fhir/administrative-gender|male` match,
 *   `gender=|male` (explicitly no system) does not. Other primitives have no system.
 *   Derived rows for modifiers (stored under a derived code so no schema change is needed):
 *   - `<code>:text` (string table): CodeableConcept.text, Coding.display, Identifier.type.text — for `:text`;
 *   - `<code>:of-type` (token table): Identifier with a type: system = type coding system,
 *     value = `<type code>|<identifier value>` — for `:of-type`.
 * - string: HumanName (family, given, prefix, suffix, text and, when text is absent, "given family"),
 *   Address (line, city, district, state, postalCode, country, text), plain strings; `norm` folded
 *   by `foldString`, `exact` the original.
 * - date: date/dateTime/instant → implicit precision range; Period → [start.lo, end.hi) with open ends
 *   unbounded; Timing → its outer limits (earliest event or repeat.boundsPeriod start to the latest end).
 * - number: [lo, hi) from the value's implicit precision (100 → [99.5, 100.5)).
 * - quantity: Quantity and its profiles (Age, Duration, ...), Money; unit = code, and a second row
 *   with the human unit when it differs, so `|code` matches code or unit.
 * - reference: Reference.reference split (references.ts); `#contained` ignored; canonical/uri values
 *   go to `url` (a `|version` canonical also gets an unversioned row). Reference.identifier gives a
 *   token row under `<code>:identifier` (for the `:identifier` modifier).
 * - uri: the value.
 * - composite: one row per element the composite's expression matched and combination of its
 *   components' values on that element (addComposite), so a search needs all parts on one element.
 * Special parameters are not indexed; `_id` and `_lastUpdated` are columns of the store.
 */
export function extractIndex(resource: Resource): IndexEntries {
  const out = new Collector();
  const root: TypedValue = { type: resource.resourceType, value: resource };
  for (const param of indexedParams(resource.resourceType)) {
    const values = param.evaluate(root);
    if (values.length === 0) continue;
    out.begin();
    addValues(out, param, values, root);
    out.end();
  }
  return out.index;
}

/** Index rows of one parameter only (used for _include). */
export function extractParam(resource: Resource, param: ParamInfo): IndexEntries {
  const out = new Collector();
  const root: TypedValue = { type: resource.resourceType, value: resource };
  const values = param.evaluate(root);
  if (values.length) addValues(out, param, values, root);
  out.end();
  return out.index;
}

/** Most composite rows from one element (a cross product of its components' values). */
const MAX_COMPOSITE_ROWS = 64;

/**
 * Composite rows: for each element the composite's expression matched, each component's values
 * there (extracted as for a parameter of the component's type), one row per combination. An
 * element lacking a component gives no row.
 */
function addComposite(out: Collector, param: ParamInfo, elements: TypedValue[], root: TypedValue): void {
  const components = param.components;
  if (!components) return;
  for (const element of elements) {
    const partLists: CompositePart[][] = [];
    for (const component of components) {
      const values = component.evaluate(element, root);
      if (values.length === 0) break;
      const tmp = new Collector();
      addValues(tmp, component as unknown as ParamInfo, values, root);
      const parts = componentParts(component.type, component.code, tmp.index);
      if (parts.length === 0) break;
      partLists.push(parts);
    }
    if (partLists.length !== components.length) continue;
    let rows: CompositePart[][] = [[]];
    for (const parts of partLists) {
      rows = rows.flatMap((prefix) => parts.map((p) => [...prefix, p])).slice(0, MAX_COMPOSITE_ROWS);
    }
    for (const parts of rows) out.composite(param.code, parts);
  }
}

function part(p: Partial<CompositePart>): CompositePart {
  return { s: p.s ?? null, v: p.v ?? null, n: p.n ?? null, lo: p.lo ?? null, hi: p.hi ?? null };
}

function componentParts(type: ComponentInfo['type'], code: string, index: IndexEntries): CompositePart[] {
  switch (type) {
    case 'token':
      return index.token.filter((r) => r.code === code).map((r) => part({ s: r.system, v: r.value }));
    case 'string':
      return index.string.filter((r) => r.code === code).map((r) => part({ v: r.norm }));
    case 'date':
      return index.date.filter((r) => r.code === code).map((r) => part({ lo: r.lo, hi: r.hi }));
    case 'number':
      return index.number.filter((r) => r.code === code).map((r) => part({ n: r.value, lo: r.lo, hi: r.hi }));
    case 'quantity':
      return index.quantity.filter((r) => r.code === code).map((r) => part({ n: r.value, lo: r.lo, hi: r.hi, s: r.system, v: r.unit }));
    case 'reference':
      return index.reference.filter((r) => r.code === code).map((r) => part({ s: r.targetType, v: r.targetId ?? r.url }));
    case 'uri':
      return index.uri.filter((r) => r.code === code).map((r) => part({ v: r.value }));
  }
}

const TABLES = ['token', 'string', 'date', 'number', 'quantity', 'reference', 'uri', 'composite'] as const;
type Table = (typeof TABLES)[number];

/** Identity of a row within its table, for removing duplicates. */
const ROW_KEY: { [T in Table]: (row: IndexEntries[T][number]) => string } = {
  token: (r) => `${r.code}\u0000${r.system}\u0000${r.value}`,
  string: (r) => `${r.code}\u0000${r.exact}`,
  date: (r) => `${r.code}\u0000${r.lo}\u0000${r.hi}`,
  number: (r) => `${r.code}\u0000${r.value}`,
  quantity: (r) => `${r.code}\u0000${r.value}\u0000${r.system}\u0000${r.unit}`,
  reference: (r) => `${r.code}\u0000${r.targetType}\u0000${r.targetId}\u0000${r.url}`,
  uri: (r) => `${r.code}\u0000${r.value}`,
  composite: (r) => {
    let key = r.code;
    for (const p of r.parts) key += `\u0000${p.s}\u0001${p.v}\u0001${p.n}\u0001${p.lo}\u0001${p.hi}`;
    return key;
  },
};

/**
 * Collects rows, one parameter at a time (`begin` … `end`). Duplicates can only come from one
 * parameter (every row's code is its parameter's, or derived from it like `code:text`), and most
 * parameters give at most one row per table, so keys are built only for the few that give more.
 */
class Collector {
  readonly index: IndexEntries = emptyIndex();
  private readonly marks = new Array<number>(TABLES.length).fill(0);

  begin(): void {
    for (let i = 0; i < TABLES.length; i++) this.marks[i] = this.index[TABLES[i]].length;
  }

  end(): void {
    for (let i = 0; i < TABLES.length; i++) {
      const rows = this.index[TABLES[i]] as { code: string }[];
      if (rows.length - this.marks[i] > 1) dedupeFrom(rows, this.marks[i], ROW_KEY[TABLES[i]] as (row: { code: string }) => string);
    }
  }

  token(code: string, system: string | null | undefined, value: string | null | undefined): void {
    const s = system ?? null;
    const v = value ?? null;
    if (s === null && v === null) return;
    this.index.token.push({ code, system: s, value: v });
  }

  string(code: string, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    this.index.string.push({ code, norm: foldString(value), exact: value });
  }

  date(code: string, lo: number, hi: number): void {
    this.index.date.push({ code, lo, hi });
  }

  number(code: string, value: number): void {
    if (!Number.isFinite(value)) return;
    this.index.number.push({ code, ...numberRangeOf(value) });
  }

  quantity(code: string, value: number, system: string | null, unit: string | null): void {
    if (!Number.isFinite(value)) return;
    this.index.quantity.push({ code, ...numberRangeOf(value), system, unit });
  }

  reference(code: string, targetType: string | null, targetId: string | null, url: string | null): void {
    this.index.reference.push({ code, targetType, targetId, url });
  }

  composite(code: string, parts: CompositePart[]): void {
    this.index.composite.push({ code, parts });
  }

  uri(code: string, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    this.index.uri.push({ code, value });
  }
}

/** Remove rows from `start` on whose key repeats an earlier one of that range, keeping the first. */
function dedupeFrom<R>(rows: R[], start: number, key: (row: R) => string): void {
  const seen = new Set<string>();
  let kept = start;
  for (let i = start; i < rows.length; i++) {
    const k = key(rows[i]);
    if (seen.has(k)) continue;
    seen.add(k);
    rows[kept++] = rows[i];
  }
  rows.length = kept;
}

type Obj = Record<string, any>;

function addValues(out: Collector, param: ParamInfo, values: TypedValue[], root: TypedValue): void {
  const code = param.code;
  switch (param.type) {
    case 'token':
      for (const v of values) addToken(out, code, v, param.impliedSystem);
      break;
    case 'composite':
      addComposite(out, param, values, root);
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

function addToken(out: Collector, code: string, v: TypedValue, impliedSystem?: string): void {
  const value = v.value;
  if (value === null || value === undefined) return;
  if (typeof value !== 'object') {
    // A bound `code` element carries its value set's code system (see ParamInfo.impliedSystem).
    out.token(code, v.type === 'code' ? (impliedSystem ?? null) : null, String(value));
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
    // "The specified scheduling details are ignored and only the outer limits matter" (R4
    // search.html): one range from the earliest event or bounds start to the latest end.
    let lo = Infinity;
    let hi = -Infinity;
    each(o.event, (e) => {
      const r = typeof e === 'string' ? dateRange(e) : undefined;
      if (r) {
        lo = Math.min(lo, r.lo);
        hi = Math.max(hi, r.hi);
      }
    });
    const bounds = o.repeat?.boundsPeriod;
    if (bounds && typeof bounds === 'object') {
      const start = typeof bounds.start === 'string' ? dateRange(bounds.start) : undefined;
      const end = typeof bounds.end === 'string' ? dateRange(bounds.end) : undefined;
      if (start || end) {
        lo = Math.min(lo, start ? start.lo : MIN_DATE);
        hi = Math.max(hi, end ? end.hi : MAX_DATE);
      }
    }
    if (lo <= hi) out.date(code, lo, hi);
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
