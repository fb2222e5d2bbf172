import type { Resource } from '@medplum/fhirtypes';
import { findMatches } from './conditional.js';
import { inTransaction, type FhirContext, type TxContext } from './context.js';
import { badRequest, conflict, preconditionFailed } from './errors.js';
import { checkIfMatch } from './preconditions.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { assertValidId, newId } from './resource-id.js';
import { assertSupportedType, resourceBody } from './resource-types.js';
import { writeClientVersion } from './write.js';

/** PUT /{type}/{id} (create-on-update allowed) and conditional PUT /{type}?criteria. */
export async function update(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const type = req.resourceType!;
  assertSupportedType(type);
  const resource = resourceBody(req.body, type);
  if (req.id !== undefined) {
    const id = req.id;
    assertValidId(id);
    if (resource.id === undefined) badRequest('The resource must carry an id on update', [`${type}.id`]);
    if (resource.id !== id) badRequest(`Resource id "${resource.id}" does not match the URL id "${id}"`, [`${type}.id`]);
    return inTransaction(ctx, (txCtx) => updateInstance(txCtx, resource, id, req.headers.ifMatch));
  }
  return inTransaction(ctx, async (txCtx) => {
    const matches = await findMatches(txCtx, type, req.query);
    if (matches.length > 1) preconditionFailed(`Conditional update matched more than one ${type}`);
    if (matches.length === 1) {
      const match = matches[0];
      if (resource.id !== undefined && resource.id !== match.id)
        badRequest(`Resource id "${resource.id}" does not match the resource found by the criteria (${match.id})`);
      return updateInstance(txCtx, resource, match.id, req.headers.ifMatch);
    }
    if (resource.id !== undefined) {
      assertValidId(resource.id);
      const existing = await txCtx.tx.readCurrent(type, resource.id);
      if (existing && !existing.deleted)
        conflict(`${type}/${resource.id} exists but does not match the conditional update criteria`);
      return updateInstance(txCtx, resource, resource.id, req.headers.ifMatch);
    }
    return writeClientVersion(txCtx, resource, newId(), 'PUT', undefined);
  });
}

async function updateInstance(
  ctx: TxContext,
  resource: Resource,
  id: string,
  ifMatch: string | undefined,
): Promise<FhirResponse> {
  const current = await ctx.tx.readCurrent(resource.resourceType, id);
  checkIfMatch(ifMatch, current);
  return writeClientVersion(ctx, resource, id, 'PUT', current);
}
