import type { Resource } from '@medplum/fhirtypes';
import { badRequest, unprocessable } from '../errors.js';

/** Plain JSON object (not an array, not null, not a class instance such as a fhirpath.js FP type). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Property names that must never be written to (prototype pollution). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deep copy of JSON data. structuredClone keeps the copy independent of the caller's object and
 * drops anything that is not plain data (it throws on functions, which a resource never holds).
 */
export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

/**
 * The input must be a resource object: used at the entry of both patch functions so that a bug in a
 * caller (e.g. passing undefined) surfaces as a clear error rather than an obscure TypeError.
 */
export function assertResource(resource: unknown, what: string): asserts resource is Resource {
  if (!isPlainObject(resource) || typeof resource.resourceType !== 'string') {
    throw new TypeError(`${what}: the resource to patch must be a FHIR resource object`);
  }
}

/**
 * The patched document must still be the same resource: an object with the same resourceType and id.
 * Changing either is a client error (400), as is turning the document into a non-object.
 */
export function assertSameIdentity(original: Resource, patched: unknown, kind: string): Resource {
  if (!isPlainObject(patched)) {
    return badRequest(`${kind}: the patched resource is no longer a JSON object`);
  }
  if (patched.resourceType !== original.resourceType) {
    return badRequest(
      `${kind}: a patch must not change resourceType (was '${original.resourceType}', ` +
        `patch produced '${String(patched.resourceType)}')`,
    );
  }
  if (patched.id !== original.id) {
    return badRequest(
      `${kind}: a patch must not change the resource id (was '${String(original.id)}', ` +
        `patch produced '${String(patched.id)}')`,
    );
  }
  return patched as unknown as Resource;
}

export { badRequest, unprocessable };
