import type { StoredVersion } from '../store/types.js';
import { reader, type FhirContext } from './context.js';
import { FhirError, notFound, outcome } from './errors.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { assertSupportedType } from './resource-types.js';
import { parseVersionId, versionFromETag } from './resource-id.js';

/** A stored, non-deleted version as a response, served from its stored JSON. */
export function storedResponse(ctx: FhirContext, v: StoredVersion): FhirResponse {
  return {
    status: 200,
    json: v.json,
    versionId: v.versionId,
    lastUpdated: v.lastUpdated,
    location: `${ctx.config.baseUrl}/${v.type}/${v.id}/_history/${v.versionId}`,
    resourceType: v.type,
    id: v.id,
  };
}

export function goneError(v: StoredVersion): FhirError {
  return new FhirError(410, outcome('error', 'deleted', `${v.type}/${v.id} was deleted`), {
    ETag: `W/"${v.versionId}"`,
    'Last-Modified': new Date(v.lastUpdated).toUTCString(),
  });
}

/** The current version, 404 when it never existed, 410 when deleted. */
export async function readCurrentOrFail(ctx: FhirContext, type: string, id: string): Promise<StoredVersion> {
  const v = await reader(ctx).readCurrent(type, id);
  if (!v) return notFound(`${type}/${id} not found`);
  if (v.deleted) throw goneError(v);
  return v;
}

/** GET /{type}/{id}, with If-None-Match and If-Modified-Since (304). */
export async function read(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const type = req.resourceType!;
  assertSupportedType(type);
  const v = await readCurrentOrFail(ctx, type, req.id!);
  if (notModified(req, v)) return { status: 304, versionId: v.versionId, lastUpdated: v.lastUpdated };
  return storedResponse(ctx, v);
}

/** GET /{type}/{id}/_history/{vid} */
export async function vread(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const type = req.resourceType!;
  assertSupportedType(type);
  const vid = parseVersionId(req.versionId!);
  const v = vid === undefined ? undefined : await reader(ctx).readVersion(type, req.id!, vid);
  if (!v) return notFound(`${type}/${req.id}/_history/${req.versionId} not found`);
  if (v.deleted) throw goneError(v);
  if (notModified(req, v)) return { status: 304, versionId: v.versionId, lastUpdated: v.lastUpdated };
  return storedResponse(ctx, v);
}

function notModified(req: FhirRequest, v: StoredVersion): boolean {
  const { ifNoneMatch, ifModifiedSince } = req.headers;
  if (ifNoneMatch !== undefined) {
    // If-None-Match takes precedence over If-Modified-Since (RFC 9110 13.2.2).
    if (ifNoneMatch.trim() === '*') return true;
    return ifNoneMatch.split(',').some((tag) => versionFromETag(tag) === v.versionId);
  }
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have second precision: compare whole seconds.
    return !Number.isNaN(since) && Math.floor(Date.parse(v.lastUpdated) / 1000) * 1000 <= since;
  }
  return false;
}
