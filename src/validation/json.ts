import type { Issue, PathLike } from './issues.js';
import { structureIssue } from './issues.js';

/*
 * JSON helpers that reproduce @medplum/core's notions exactly: what counts as an empty value, and how a value is
 * merged with its `_x` primitive extension before validation (core's getTypedPropertyValueWithSchema). Core
 * merges into the resource itself; here the merge works on copies and never changes the input.
 */

export class PrimitiveExtensionError extends Error {}

/**
 * A primitive value merged with its `_x` object. Core validates a String/Number/Boolean object carrying the
 * extension's properties; this keeps the two apart (and does not copy the string into index properties).
 */
export class MergedPrimitive {
  constructor(
    readonly value: string | number | boolean | bigint | symbol,
    readonly ext: Record<string, unknown>,
  ) {}
}

/** Core's isEmpty: null/undefined, '', and objects/arrays with no length and no keys. */
export function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v === '';
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof MergedPrimitive) return !(typeof v.value === 'string' && v.value.length > 0) && !hasKeys(v.ext);
  // Core also counts a `length` > 0 as content; for a JSON object that is an own key anyway.
  return !hasKeys(v);
}

function hasKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/** The value of an element merged with its (truthy) `_x` sibling, as core validates it. */
export function mergePrimitiveExtension(value: unknown, ext: unknown): unknown {
  if (Array.isArray(value)) {
    const out = value.slice();
    const n = Math.max(out.length, (ext as { length?: number }).length as number);
    for (let i = 0; i < n; i++) out[i] = assign(out[i], (ext as unknown[])[i]);
    return out;
  }
  if (!value && Array.isArray(ext)) return ext.map((e) => assign(undefined, e));
  return assign(value, ext);
}

function assign(target: unknown, ext: unknown): unknown {
  if (!ext) return target;
  if (typeof ext !== 'object') throw new PrimitiveExtensionError('Primitive extension must be an object');
  if (target !== null && target !== undefined && typeof target !== 'object' && typeof target !== 'function') {
    return new MergedPrimitive(target as string, ext as Record<string, unknown>);
  }
  let base: object;
  if (target === null || target === undefined) base = {};
  else base = Array.isArray(target) ? target.slice() : { ...target };
  for (const [k, v] of Object.entries(ext)) {
    if (k === '__proto__' || k === 'constructor') continue; // core deletes these before assigning
    (base as Record<string, unknown>)[k] = v;
  }
  return base;
}

/** Core's checkObjectForNull over a subtree the walk does not otherwise visit. */
export function nullScan(v: unknown, path: PathLike, issues: Issue[]): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null) issues.push(structureIssue(`${path}[${i}]`, 'Invalid null value'));
      else if (v[i]) nullScan(v[i], `${path}[${i}]`, issues);
    }
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) issues.push(structureIssue(`${path}.${k}`, 'Invalid null value'));
      else nullScan(x, `${path}.${k}`, issues);
    }
  }
}
