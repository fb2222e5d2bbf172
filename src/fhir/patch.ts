import type { Parameters, Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../store/types.js';
import { findMatches } from './conditional.js';
import { inTransaction, type FhirContext, type TxContext } from './context.js';
import { badRequest, fail, notFound, preconditionFailed } from './errors.js';
import { applyFhirPathPatch } from './patch/fhirpath-patch.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { checkIfMatch } from './preconditions.js';
import { goneError } from './read.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { assertSupportedType } from './resource-types.js';
import { writeClientVersion } from './write.js';

/** PATCH /{type}/{id} and conditional PATCH /{type}?criteria, with JSON Patch or FHIRPath Patch. */
export async function patch(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const type = req.resourceType!;
  assertSupportedType(type);
  const apply = patcherFor(req);
  return inTransaction(ctx, async (txCtx) => {
    let current: StoredVersion | undefined;
    if (req.id !== undefined) {
      current = await txCtx.tx.readCurrent(type, req.id);
      if (!current) notFound(`${type}/${req.id} not found`);
    } else {
      const matches = await findMatches(txCtx, type, req.query);
      if (matches.length > 1) preconditionFailed(`Conditional patch matched more than one ${type}`);
      if (matches.length === 0) notFound(`No ${type} matched the conditional patch criteria`);
      current = matches[0];
    }
    if (current!.deleted) throw goneError(current!);
    checkIfMatch(req.headers.ifMatch, current);
    return patchVersion(txCtx, current!, apply);
  });
}

async function patchVersion(
  ctx: TxContext,
  current: StoredVersion,
  apply: (r: Resource) => Resource,
): Promise<FhirResponse> {
  const before = JSON.parse(current.json!) as Resource;
  const after = apply(before);
  if (after.resourceType !== current.type || after.id !== current.id)
    badRequest('A patch may not change resourceType or id');
  return writeClientVersion(ctx, after, current.id, 'PATCH', current);
}

function patcherFor(req: FhirRequest): (r: Resource) => Resource {
  const type = (req.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json-patch+json') return (r) => applyJsonPatch(r, req.body);
  if (type === 'application/fhir+json' || type === 'application/json') {
    const body = req.body as Parameters | undefined;
    if (body?.resourceType !== 'Parameters') badRequest('A FHIRPath Patch body must be a Parameters resource');
    return (r) => applyFhirPathPatch(r, body!);
  }
  return fail(415, 'not-supported', `PATCH needs application/json-patch+json or application/fhir+json (FHIRPath Patch), not "${type}"`);
}
