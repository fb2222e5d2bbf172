import { isResourceType } from '@medplum/core';
import type { Cls, MemberPlan, SType } from './fhirpath-types.js';

/*
 * Run-time pieces of the FHIRPath subset (fhirpath-subset.ts): collections are arrays of raw JSON values, and
 * these helpers are the operations on them whose results must match fhirpath.js (or, where noted, core).
 */

export type Coll = readonly unknown[];

export interface SubsetEnv {
  readonly resource: unknown;
  readonly rootResource: unknown;
  readonly context: Coll;
  /**
   * Set when the data made the answer @medplum/core's rather than fhirpath.js's: an empty value ('' or {}) read
   * as absent, or a non-resource object carrying a resourceType (which fhirpath.js takes for a resource).
   */
  coreOnly?: boolean;
}

export type Expr = (self: Coll, env: SubsetEnv) => Coll;
export type Invoke = (input: Coll, self: Coll, env: SubsetEnv) => Coll;

export interface Compiled<F> {
  readonly fn: F;
  readonly type: SType;
}

/** Thrown by compiled code for data it does not model: the caller evaluates with fhirpath.js instead. */
export const BAIL: unique symbol = Symbol('bail');

export interface AstNode {
  readonly type: string;
  readonly text?: string;
  readonly atRoot?: number;
  readonly children?: AstNode[];
}

export const EMPTY: Coll = Object.freeze([]);
export const TRUE: Coll = Object.freeze([true]);
export const FALSE: Coll = Object.freeze([false]);
export const BOOL: SType = { cls: 'bool' };
export const INT: SType = { cls: 'int' };

export function bool(b: boolean | undefined): Coll {
  return b === undefined ? EMPTY : b ? TRUE : FALSE;
}

/** The JSON type a value of a class must have; anything else is invalid data, left to fhirpath.js. */
export function checkValue(cls: Cls, v: unknown): void {
  switch (cls) {
    case 'str':
    case 'date':
      if (typeof v !== 'string') throw BAIL;
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw BAIL;
      return;
    case 'int':
    case 'dec':
      if (typeof v !== 'number') throw BAIL;
      return;
    default:
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw BAIL;
  }
}

/**
 * Read one member of every object of `input` per `plan` (as fhirpath.js's makeChildResNodes does), except that
 * a single empty value ('' or {}) is absent, as in @medplum/core: its validator and its FHIRPath engine both
 * treat `"end": ""` as no end (so app-2 fails on it), where fhirpath.js would see a value.
 */
export function readMember(input: Coll, plan: (item: Record<string, unknown>) => MemberPlan | null, env: SubsetEnv): Coll {
  let out: unknown[] | undefined;
  for (const item of input) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw BAIL;
    const obj = item as Record<string, unknown>;
    const p = plan(obj);
    if (!p) continue;
    if (!p.ofResource && obj.resourceType !== undefined) env.coreOnly = true;
    let found = false;
    if (p.byKey) {
      // A choice with many types (value[x]): fewer lookups by walking the object's own keys.
      for (const k in obj) {
        const o = p.byKey.get(k);
        if (o === undefined) continue;
        if (o.ext || found) throw BAIL; // `_x`, or two values of one choice element
        found = true;
        out = take(out, o.cls, obj[k], env);
      }
      continue;
    }
    for (const option of p.options) {
      if (obj[option.extKey] !== undefined) throw BAIL;
      const v = obj[option.key];
      if (v === undefined) continue;
      if (found) throw BAIL; // two values of one choice element
      found = true;
      out = take(out, option.cls, v, env);
    }
  }
  return out ?? EMPTY;
}

function take(out: unknown[] | undefined, cls: Cls, v: unknown, env: SubsetEnv): unknown[] | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      checkValue(cls, x);
      (out ??= []).push(x);
    }
  } else if (v === '' || isEmptyObject(v)) {
    env.coreOnly = true;
  } else {
    checkValue(cls, v);
    (out ??= []).push(v);
  }
  return out;
}

function isEmptyObject(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  for (const k in v) if (Object.hasOwn(v, k)) return false;
  return true;
}

/** FHIRPath singleton-to-Boolean conversion as fhirpath.js applies it to logical operands. */
export function bool3(c: Coll): boolean | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1) throw BAIL;
  return c[0] !== false;
}

export function sameClass(a: SType, b: SType, classes: readonly Cls[]): boolean {
  return a.cls === b.cls && classes.includes(a.cls);
}

export function equalColls(a: Coll, b: Coll): Coll {
  if (a.length === 0 || b.length === 0) return EMPTY;
  if (a.length !== b.length) return FALSE;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return FALSE;
  return TRUE;
}

export function distinct(c: Coll): Coll {
  return c.length < 2 ? c : [...new Set(c)];
}

/** Core's fhirPathIs for the type names compiled here: `Boolean` (by JSON type) and resource types. */
export function isTypeTest(name: string): ((v: unknown) => boolean) | undefined {
  if (name === 'Boolean') return (v) => typeof v === 'boolean';
  if (isResourceType(name)) {
    return (v) => v !== null && typeof v === 'object' && (v as { resourceType?: unknown }).resourceType === name;
  }
  return undefined;
}

/** Core's resolve(): a reference's target as `{resourceType, id}` from the reference string; nothing is fetched. */
export function resolveReference(v: unknown): unknown {
  let ref: string | undefined;
  if (typeof v === 'string') ref = v;
  else if (v !== null && typeof v === 'object') {
    const r = v as { resource?: unknown; reference?: unknown; type?: unknown; identifier?: unknown };
    if (r.resource !== undefined || r.type !== undefined || r.identifier !== undefined) throw BAIL;
    if (typeof r.reference === 'string') ref = r.reference;
  }
  if (ref?.includes('?')) return { resourceType: ref.split('?')[0] };
  if (ref?.includes('/')) {
    const [resourceType, id] = ref.split('/');
    return { resourceType, id };
  }
  return undefined;
}

const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Order of two date/dateTime/instant strings, where fhirpath.js's answer is plain: dates of the same precision
 * (compared as text), or dateTimes with seconds and a time zone, to the same fraction of a second (compared as
 * instants). Anything else (mixed precision, no time zone) goes to fhirpath.js.
 */
export function compareDates(a: unknown, b: unknown): number {
  if (typeof a !== 'string' || typeof b !== 'string') throw BAIL;
  if (a.length === b.length && PARTIAL_DATE.test(a) && PARTIAL_DATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const ma = DATE_TIME.exec(a);
  const mb = DATE_TIME.exec(b);
  if (!ma || !mb || (ma[1] ?? '').length !== (mb[1] ?? '').length) throw BAIL;
  const d = Date.parse(a) - Date.parse(b);
  if (Number.isNaN(d)) throw BAIL;
  return d;
}

export type B3 = boolean | undefined;

export function and3(a: B3, b: B3): B3 {
  if (a === false || b === false) return false;
  return a === undefined || b === undefined ? undefined : true;
}

export function or3(a: B3, b: B3): B3 {
  if (a === true || b === true) return true;
  return a === undefined || b === undefined ? undefined : false;
}

export function xor3(a: B3, b: B3): B3 {
  return a === undefined || b === undefined ? undefined : a !== b;
}

export function implies3(a: B3, b: B3): B3 {
  if (a === false) return true;
  if (a === true) return b;
  return b === true ? true : undefined;
}

/** Deep equality of JSON values (key order ignored), as fhirpath.js's deepEqual on plain data. */
export function jsonEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (const k of kx) {
    if (!Object.hasOwn(y, k) || !jsonEqual((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])) return false;
  }
  return true;
}
