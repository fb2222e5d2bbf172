import type { StoredVersion } from '../store/types.js';
import { badRequest, preconditionFailed } from './errors.js';
import { versionFromETag } from './resource-id.js';

/** If-Match: W/"n" must name the current version, else 412 and nothing changes. */
export function checkIfMatch(ifMatch: string | undefined, current: StoredVersion | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = versionFromETag(ifMatch);
  if (wanted === undefined) badRequest(`If-Match must be a version ETag like W/"1", got ${ifMatch}`);
  if (!current || current.deleted) preconditionFailed(`If-Match ${ifMatch}: the resource does not exist`);
  if (current.versionId !== wanted)
    preconditionFailed(`If-Match ${ifMatch} does not match the current version W/"${current.versionId}"`);
}
