import { findMatches, parseCriteria } from './conditional.js';
import { inTransaction, type FhirContext } from './context.js';
import { preconditionFailed } from './errors.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { assertSupportedType, resourceBody } from './resource-types.js';
import { newId } from './resource-id.js';
import { writeClientVersion } from './write.js';
import { storedResponse } from './read.js';

/** POST /{type}, with conditional create through If-None-Exist. */
export async function create(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const type = req.resourceType!;
  assertSupportedType(type);
  const resource = resourceBody(req.body, type);
  return inTransaction(ctx, async (txCtx) => {
    if (req.headers.ifNoneExist) {
      const matches = await findMatches(txCtx, type, parseCriteria(req.headers.ifNoneExist));
      if (matches.length > 1) preconditionFailed(`If-None-Exist matched more than one ${type}`);
      if (matches.length === 1) return { ...storedResponse(ctx, matches[0]), status: 200 };
    }
    // The server assigns the id; a client-supplied id is ignored on create (FHIR R4 http.html#create).
    return writeClientVersion(txCtx, resource, req.assignedId ?? newId(), 'POST', undefined);
  });
}
