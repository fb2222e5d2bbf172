import { isResourceType } from '@medplum/core';

export interface ParsedReference {
  targetType: string | null;
  targetId: string | null;
  url: string | null;
}

const RELATIVE_RE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const ABSOLUTE_TAIL_RE = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * Splits a reference string for the index (and for search values):
 * - `#x` (contained): undefined (not indexed);
 * - `Type/id` (optionally `/_history/v`): target type and id;
 * - an absolute URL: kept in `url` (without `/_history/v`); when it ends in `.../Type/id` the type and
 *   id are split out as well;
 * - anything else (urn:uuid:, canonical URLs, ...): `url` only.
 */
export function parseReference(ref: string): ParsedReference | undefined {
  if (!ref || ref.startsWith('#')) return undefined;
  const rel = RELATIVE_RE.exec(ref);
  if (rel && isResourceType(rel[1])) return { targetType: rel[1], targetId: rel[2], url: null };
  const abs = ABSOLUTE_TAIL_RE.exec(ref);
  if (abs && /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && isResourceType(abs[1])) {
    const url = ref.replace(/\/_history\/[^/]+$/, '');
    return { targetType: abs[1], targetId: abs[2], url };
  }
  return { targetType: null, targetId: null, url: ref };
}
