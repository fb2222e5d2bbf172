import { isResourceType } from '@medplum/core';
import { badRequest, notSupported } from '../fhir/errors.js';
import { dateRange, foldString, numberRange } from './normalize.js';
import { getParam, type ParamInfo } from './params.js';
import type {
  ComponentMatch,
  CompositeMatch,
  Condition,
  DateRange,
  IndexTable,
  NumberMatch,
  Prefix,
  QuantityMatch,
  ReferenceMatch,
  SearchPlan,
  SortKey,
  StringMatch,
  TokenMatch,
  UriMatch,
} from './plan.js';
import { parseReference } from './references.js';

export interface SearchOptions {
  defaultCount: number;
  maxCount: number;
  /** The server's FHIR base URL (no trailing slash): absolute reference values under it are local. */
  baseUrl?: string;
  /** `total` when the request has no `_total` (default 'accurate'). */
  defaultTotal?: SearchPlan['total'];
}

/** `_include` / `_revinclude`: `sourceType:code[:targetType]`; code `*` for all reference params. */
export interface IncludeSpec {
  sourceType: string;
  code: string;
  targetType?: string;
  iterate: boolean;
}

/** Parameters that shape the result rather than select resources, parsed for the caller to apply. */
export interface ResultParams {
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  summary?: 'true' | 'text' | 'data' | 'count' | 'false';
  elements?: string[];
  contained?: 'true' | 'false' | 'both';
  containedType?: 'container' | 'contained';
  format?: string;
  pretty?: boolean;
}

export interface BuiltSearch {
  plan: SearchPlan;
  /** Query parameter names (as given, with modifiers) that are unknown or not supported; ignored. */
  unknown: string[];
  result: ResultParams;
}

type Query = Record<string, string[] | string | undefined>;

const PREFIXES = new Set<Prefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** Parameters accepted without effect on selection here (the HTTP layer handles them). */
const IGNORED = new Set(['_type', '_snapshot']);

/**
 * Build a search plan from a raw URL query (parameter name with modifier → values, one per
 * repetition; within a value, commas separate alternatives). Invalid values throw a FhirError 400.
 */
export function buildSearchPlan(types: string[], query: Query, options: SearchOptions): BuiltSearch {
  const plan: SearchPlan = {
    types: [...types],
    where: [],
    sort: [],
    count: options.defaultCount,
    offset: 0,
    total: options.defaultTotal ?? 'accurate',
  };
  const unknown: string[] = [];
  const result: ResultParams = { include: [], revinclude: [] };
  const ctx: Ctx = { baseUrl: options.baseUrl?.replace(/\/+$/, '') };

  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    switch (key) {
      case '_count':
        plan.count = Math.min(nonNegativeInt(key, last(values)), options.maxCount);
        continue;
      case '_offset':
        plan.offset = nonNegativeInt(key, last(values));
        continue;
      case '_total': {
        const v = last(values);
        if (v !== 'none' && v !== 'estimate' && v !== 'accurate') badRequest(`Invalid _total: "${v}" (none, estimate or accurate)`);
        plan.total = v as SearchPlan['total'];
        continue;
      }
      case '_sort':
        for (const v of values) plan.sort.push(...parseSort(plan.types, v, unknown));
        continue;
      case '_summary': {
        const v = last(values);
        if (!['true', 'text', 'data', 'count', 'false'].includes(v)) badRequest(`Invalid _summary: "${v}"`);
        result.summary = v as ResultParams['summary'];
        continue;
      }
      case '_elements':
        result.elements = values.flatMap((v) => v.split(',')).map((e) => e.trim()).filter(Boolean);
        continue;
      case '_contained': {
        const v = last(values);
        if (!['true', 'false', 'both'].includes(v)) badRequest(`Invalid _contained: "${v}"`);
        result.contained = v as ResultParams['contained'];
        continue;
      }
      case '_containedType': {
        const v = last(values);
        if (v !== 'container' && v !== 'contained') badRequest(`Invalid _containedType: "${v}"`);
        result.containedType = v as ResultParams['containedType'];
        continue;
      }
      case '_format':
        result.format = last(values);
        continue;
      case '_pretty':
        result.pretty = last(values) === 'true';
        continue;
      default:
        break;
    }
    if (IGNORED.has(key)) continue;
    const incl = /^_(include|revinclude)(?::(iterate|recurse))?$/.exec(key);
    if (incl) {
      for (const v of values) {
        if (v === '') continue;
        const spec = parseInclude(v, incl[1] === 'revinclude', incl[2] !== undefined);
        (incl[1] === 'include' ? result.include : result.revinclude).push(spec);
      }
      continue;
    }
    const conditions = parseParameter(ctx, plan.types, key, values);
    if (conditions === undefined) unknown.push(key);
    else plan.where.push(...conditions);
  }

  if (result.summary === 'count') {
    plan.count = 0;
    if (plan.total === 'none') plan.total = 'accurate';
  }
  return { plan, unknown, result };
}

interface Ctx {
  baseUrl?: string;
}

function last(values: string[]): string {
  return values[values.length - 1] ?? '';
}

function nonNegativeInt(name: string, v: string): number {
  if (!/^\d+$/.test(v)) badRequest(`Invalid ${name}: "${v}" (a non-negative integer)`);
  return Number(v);
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/** The parameter of that code on the first of `types` that has it. */
function findParam(types: string[], code: string): ParamInfo | undefined {
  for (const t of types) {
    const p = getParam(t, code);
    if (p) return p;
  }
  return undefined;
}

/**
 * The conditions for one query parameter (one per repetition), or undefined when the parameter is
 * unknown for all `types`.
 */
function parseParameter(ctx: Ctx, types: string[], key: string, values: string[]): Condition[] | undefined {
  if (key.startsWith('_has:')) return parseHas(ctx, types, key, values);
  const dot = key.indexOf('.');
  if (dot > 0) return parseChain(ctx, types, key.slice(0, dot), key.slice(dot + 1), values);

  const colon = key.indexOf(':');
  const name = colon < 0 ? key : key.slice(0, colon);
  const modifier = colon < 0 ? undefined : key.slice(colon + 1);
  const nonEmpty = values.filter((v) => v !== '');
  const out: Condition[] = [];

  if (name === '_id') {
    if (modifier !== undefined && modifier !== 'not') notSupported(`Modifier :${modifier} is not supported on _id`);
    for (const v of nonEmpty) out.push({ kind: 'id', ids: splitValues(v), ...(modifier === 'not' ? { not: true } : {}) });
    return out;
  }
  if (name === '_lastUpdated') {
    if (modifier !== undefined) notSupported(`Modifier :${modifier} is not supported on _lastUpdated`);
    for (const v of nonEmpty) out.push({ kind: 'lastUpdated', ranges: splitValues(v).map((x) => parseDate(key, x)) });
    return out;
  }

  const param = findParam(types, name);
  if (!param || param.type === 'special' || (param.type === 'composite' && !param.components)) return undefined;
  const table = param.type as IndexTable;

  if (modifier === 'missing') {
    for (const v of nonEmpty) {
      if (v !== 'true' && v !== 'false') badRequest(`Invalid value for ${key}: "${v}" (true or false)`);
      out.push({ kind: 'missing', code: name, table, missing: v === 'true' });
    }
    return out;
  }

  for (const v of nonEmpty) {
    const parts = splitValues(v);
    out.push(parseValue(ctx, param, key, name, modifier, parts));
  }
  return out;
}

function parseValue(ctx: Ctx, param: ParamInfo, key: string, code: string, modifier: string | undefined, parts: string[]): Condition {
  switch (param.type) {
    case 'token':
      return parseToken(key, code, modifier, parts);
    case 'string': {
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') {
        notSupported(`Modifier :${modifier} is not supported on string parameter ${code}`);
      }
      const mode: StringMatch['mode'] = modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'prefix';
      return {
        kind: 'string',
        code,
        any: parts.map((p) => ({ mode, value: mode === 'exact' ? unescape(p) : foldString(unescape(p)) })),
      };
    }
    case 'date':
      noModifier(code, modifier);
      return { kind: 'date', code, any: parts.map((p) => parseDate(key, p)) };
    case 'number':
      noModifier(code, modifier);
      return { kind: 'number', code, any: parts.map((p) => parseNumber(key, p)) };
    case 'quantity':
      noModifier(code, modifier);
      return { kind: 'quantity', code, any: parts.map((p) => parseQuantity(key, p)) };
    case 'reference':
      return parseReferenceValue(ctx, param, key, code, modifier, parts);
    case 'composite':
      noModifier(code, modifier);
      return { kind: 'composite', code, any: parts.map((p) => parseComposite(ctx, param, key, p)) };
    case 'uri': {
      if (modifier !== undefined && modifier !== 'below' && modifier !== 'above') {
        notSupported(`Modifier :${modifier} is not supported on uri parameter ${code}`);
      }
      const mode: UriMatch['mode'] = modifier === 'below' ? 'below' : modifier === 'above' ? 'above' : 'exact';
      return { kind: 'uri', code, any: parts.map((p) => ({ mode, value: unescape(p) })) };
    }
    default:
      return notSupported(`Search parameter ${code} of type ${param.type} is not supported`);
  }
}

/** `code$value[$value]`: one value per component, each parsed as its component's type. */
function parseComposite(ctx: Ctx, param: ParamInfo, key: string, raw: string): CompositeMatch {
  const components = param.components!;
  const pieces = splitEscaped(raw, '$');
  if (pieces.length !== components.length || pieces.some((p) => p === '')) {
    badRequest(`Invalid value for ${key}: "${raw}" (expected ${components.map((c) => c.code).join('$')})`);
  }
  return {
    parts: components.map((c, i): ComponentMatch => {
      const p = pieces[i];
      switch (c.type) {
        case 'token':
          return { type: 'token', match: parseTokenValue(p) };
        case 'string':
          return { type: 'string', match: { mode: 'prefix', value: foldString(unescape(p)) } };
        case 'date':
          return { type: 'date', match: parseDate(key, p) };
        case 'number':
          return { type: 'number', match: parseNumber(key, p) };
        case 'quantity':
          return { type: 'quantity', match: parseQuantity(key, p) };
        case 'reference': {
          const ref = parseReferenceValue(ctx, param, key, c.code, undefined, [p]) as { any: ReferenceMatch[] };
          return { type: 'reference', match: ref.any[0] };
        }
        case 'uri':
          return { type: 'uri', match: { mode: 'exact', value: unescape(p) } };
      }
    }),
  };
}

function noModifier(code: string, modifier: string | undefined): void {
  if (modifier !== undefined) notSupported(`Modifier :${modifier} is not supported on parameter ${code}`);
}

/**
 * Token values: `code` (any system), `system|code`, `|code` (no system), `system|` (any code in system).
 * `:not` negates (resources with no matching token, including those without any value);
 * `:text` matches CodeableConcept.text / Coding.display / Identifier.type.text, case- and
 * accent-insensitively, anywhere in the text (as `:contains` on the derived `<code>:text` rows);
 * `:of-type` takes `system|code|value` and matches an Identifier's type and value.
 */
function parseToken(key: string, code: string, modifier: string | undefined, parts: string[]): Condition {
  switch (modifier) {
    case undefined:
    case 'not':
      return { kind: 'token', code, any: parts.map(parseTokenValue), ...(modifier === 'not' ? { not: true } : {}) };
    case 'text':
      return { kind: 'string', code: `${code}:text`, any: parts.map((p) => ({ mode: 'contains', value: foldString(unescape(p)) })) };
    case 'of-type':
      return {
        kind: 'token',
        code: `${code}:of-type`,
        any: parts.map((p) => {
          const pieces = splitEscaped(p, '|');
          if (pieces.length !== 3 || !pieces[1] || !pieces[2]) {
            badRequest(`Invalid value for ${key}: "${p}" (expected system|code|value)`);
          }
          const [system, typeCode, value] = pieces.map(unescape);
          return { ...(system ? { system } : {}), value: `${typeCode}|${value}` };
        }),
      };
    default:
      return notSupported(`Modifier :${modifier} is not supported on token parameter ${code}`);
  }
}

function parseTokenValue(p: string): TokenMatch {
  const pieces = splitEscaped(p, '|');
  if (pieces.length === 1) return { value: unescape(p) };
  const system = unescape(pieces[0]);
  const value = unescape(pieces.slice(1).join('|'));
  const m: TokenMatch = { system: system === '' ? null : system };
  if (value !== '') m.value = value;
  return m;
}

function parseReferenceValue(
  ctx: Ctx,
  param: ParamInfo,
  key: string,
  code: string,
  modifier: string | undefined,
  parts: string[],
): Condition {
  if (modifier === 'identifier') {
    return { kind: 'token', code: `${code}:identifier`, any: parts.map(parseTokenValue) };
  }
  if (modifier !== undefined && !isResourceType(modifier)) {
    notSupported(`Modifier :${modifier} is not supported on reference parameter ${code}`);
  }
  const any: ReferenceMatch[] = parts.map((raw) => {
    let v = unescape(raw);
    if (modifier !== undefined) {
      // `subject:Patient=123` or `subject:Patient=Patient/123`
      if (v.startsWith(`${modifier}/`)) v = v.slice(modifier.length + 1);
      if (v.includes('/')) badRequest(`Invalid value for ${key}: "${v}" (an id of a ${modifier})`);
      return { targetType: modifier, targetId: v };
    }
    if (ctx.baseUrl && v.startsWith(`${ctx.baseUrl}/`)) v = v.slice(ctx.baseUrl.length + 1);
    if (!v.includes('/') && !v.includes(':')) return { targetId: v };
    const ref = parseReference(v);
    if (ref && ref.targetType && ref.targetId && ref.url === null) {
      return { targetType: ref.targetType, targetId: ref.targetId };
    }
    if (/^[A-Z][A-Za-z]+\/[^/]+/.test(v) && !v.includes('://')) badRequest(`Invalid reference in ${key}: "${v}"`);
    return { url: v };
  });
  return { kind: 'reference', code, any };
}

// ---------------------------------------------------------------------------------------------
// Chains and _has
// ---------------------------------------------------------------------------------------------

/** `subject:Patient.name=x`, `subject.organization.name=x`: one chain condition per repetition. */
function parseChain(ctx: Ctx, types: string[], head: string, rest: string, values: string[]): Condition[] | undefined {
  const colon = head.indexOf(':');
  const code = colon < 0 ? head : head.slice(0, colon);
  const typeModifier = colon < 0 ? undefined : head.slice(colon + 1);
  const param = findParam(types, code);
  if (!param) return undefined;
  if (param.type !== 'reference') badRequest(`Cannot chain on ${code}: it is not a reference parameter`);
  let targets: string[];
  if (typeModifier !== undefined) {
    if (!isResourceType(typeModifier)) badRequest(`Unknown resource type in chain: ${typeModifier}`);
    targets = [typeModifier];
  } else {
    targets = param.targets.filter((t) => isResourceType(t));
  }
  // Keep the targets that know the chained parameter.
  const restName = rest.split(/[.:]/, 1)[0];
  if (restName !== '_id' && restName !== '_lastUpdated' && restName !== '_has') {
    targets = targets.filter((t) => getParam(t, restName) !== undefined);
  }
  if (targets.length === 0) return undefined;
  const out: Condition[] = [];
  for (const v of values) {
    if (v === '') continue;
    const inner = parseParameter(ctx, targets, rest, [v]);
    if (inner === undefined) return undefined;
    out.push({ kind: 'chain', code, targetTypes: targets, where: inner });
  }
  return out;
}

/** `_has:Observation:patient:code=x` (nested `_has:` allowed in place of `code`). */
function parseHas(ctx: Ctx, types: string[], key: string, values: string[]): Condition[] | undefined {
  const m = /^_has:([A-Za-z]+):([^:]+):(.+)$/.exec(key);
  if (!m) badRequest(`Invalid _has parameter: "${key}" (expected _has:Type:reference:parameter)`);
  const [, sourceType, code, rest] = m!;
  if (!isResourceType(sourceType)) badRequest(`Unknown resource type in ${key}: ${sourceType}`);
  const param = getParam(sourceType, code);
  if (!param) return undefined;
  if (param.type !== 'reference') badRequest(`In ${key}, ${code} is not a reference parameter of ${sourceType}`);
  // The reference must be able to point to (one of) the searched types.
  const targets = param.targets;
  if (types.length > 0 && targets.length > 0 && !targets.includes('Resource') && !types.some((t) => targets.includes(t))) {
    badRequest(`In ${key}, ${sourceType}.${code} cannot refer to ${types.join(' or ')} (it refers to ${targets.join(', ')})`);
  }
  const out: Condition[] = [];
  for (const v of values) {
    if (v === '') continue;
    const inner = parseParameter(ctx, [sourceType], rest, [v]);
    if (inner === undefined) return undefined;
    out.push({ kind: 'has', sourceType, code, where: inner });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sort and includes
// ---------------------------------------------------------------------------------------------

/** Sort keys; a key that is not a sortable parameter of the types is reported in `unknown` as `_sort=<key>` and ignored. */
function parseSort(types: string[], value: string, unknown: string[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    if (code === '_id' || code === '_lastUpdated') {
      keys.push({ code, descending });
      continue;
    }
    const param = findParam(types, code);
    if (!param || param.type === 'composite' || param.type === 'special') {
      unknown.push(`_sort=${item}`);
      continue;
    }
    keys.push({ code, table: param!.type as IndexTable, descending });
  }
  return keys;
}

function parseInclude(value: string, reverse: boolean, iterate: boolean): IncludeSpec {
  const name = reverse ? '_revinclude' : '_include';
  if (value === '*') return { sourceType: '*', code: '*', iterate };
  const pieces = value.split(':');
  if (pieces.length < 2 || pieces.length > 3) badRequest(`Invalid ${name}: "${value}" (expected Type:parameter[:targetType])`);
  const [sourceType, code, targetType] = pieces;
  if (!isResourceType(sourceType)) badRequest(`Invalid ${name}: unknown resource type ${sourceType}`);
  if (code !== '*') {
    const param = getParam(sourceType, code);
    if (!param || param.type !== 'reference') badRequest(`Invalid ${name}: ${code} is not a reference parameter of ${sourceType}`);
  }
  if (targetType !== undefined && !isResourceType(targetType)) badRequest(`Invalid ${name}: unknown target type ${targetType}`);
  return { sourceType, code, ...(targetType ? { targetType } : {}), iterate };
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** Split on unescaped commas; each part keeps its other escapes (unescape later). */
export function splitValues(value: string): string[] {
  return splitEscaped(value, ',').filter((p) => p !== '');
}

export function splitEscaped(value: string, sep: string): string[] {
  if (!value.includes('\\')) return value.split(sep);
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      cur += c + value[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/** Remove search value escapes: `\,` `\$` `\|` `\\`. */
export function unescape(value: string): string {
  return value.includes('\\') ? value.replace(/\\([,$|\\])/g, '$1') : value;
}

function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const p = value.slice(0, 2);
  if (PREFIXES.has(p as Prefix) && value.length > 2) return { prefix: p as Prefix, rest: value.slice(2) };
  return { prefix: 'eq', rest: value };
}

function parseDate(key: string, raw: string): DateRange {
  const { prefix, rest } = splitPrefix(unescape(raw));
  // A '+' in a time zone may have arrived as a space after URL decoding.
  const r = dateRange(rest.replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!r) badRequest(`Invalid date in ${key}: "${raw}" (expected [prefix]YYYY[-MM[-DD[Thh:mm[:ss[.sss]][Z|±hh:mm]]]])`);
  return { prefix, lo: r!.lo, hi: r!.hi };
}

function parseNumber(key: string, raw: string): NumberMatch {
  const { prefix, rest } = splitPrefix(unescape(raw));
  const r = numberRange(rest);
  if (!r) badRequest(`Invalid number in ${key}: "${raw}"`);
  return { prefix, ...r! };
}

function parseQuantity(key: string, raw: string): QuantityMatch {
  const pieces = splitEscaped(raw, '|');
  if (pieces.length !== 1 && pieces.length !== 3) badRequest(`Invalid quantity in ${key}: "${raw}" (expected [prefix]number[|system|code])`);
  const n = parseNumber(key, pieces[0]);
  const m: QuantityMatch = { ...n };
  if (pieces.length === 3) {
    const system = unescape(pieces[1]);
    const unit = unescape(pieces[2]);
    if (system) m.system = system;
    if (unit) m.unit = unit;
  }
  return m;
}
