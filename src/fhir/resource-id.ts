import { randomUUID } from 'node:crypto';
import { badRequest } from './errors.js';

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function newId(): string {
  return randomUUID();
}

/** FHIR ids: 1–64 of [A-Za-z0-9-.]. */
export function assertValidId(id: string): void {
  if (!ID_PATTERN.test(id)) badRequest(`Invalid resource id "${id}": 1–64 characters of A-Z, a-z, 0-9, '-' and '.'`);
}

/** Parse a version id from a path or ETag; anything but a positive integer is unknown here. */
export function parseVersionId(value: string): number | undefined {
  return /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : undefined;
}

/** `W/"3"` or `"3"` → 3; undefined when the header is not a version ETag. */
export function versionFromETag(header: string): number | undefined {
  const m = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(header);
  return m ? parseVersionId(m[1]) : undefined;
}
