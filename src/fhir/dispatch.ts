import { capabilityStatement } from './capabilities.js';
import type { FhirContext } from './context.js';
import { create } from './create.js';
import { remove } from './delete.js';
import { fail } from './errors.js';
import { history } from './history.js';
import { patch } from './patch.js';
import { read, vread } from './read.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { search } from './search.js';
import { update } from './update.js';
import { processBundle } from './bundle.js';
import { invokeOperation } from '../operations/registry.js';
import { checkInstanceAccess } from '../security/access-checks.js';
import { authorize } from '../security/authorize.js';
import { auditInteraction } from '../security/audit-api.js';

/** Route a FhirRequest to its interaction. The only place that knows which handler serves what. */
export async function dispatch(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const { method, resourceType: type, id } = req;
  // Every request, and every entry of a batch or transaction, against the token's scopes.
  if (ctx.principal) {
    authorize(ctx.principal, req);
    await checkInstanceAccess(ctx, ctx.principal, req);
    // An operation, once allowed on its target, works as the server: what $apply writes for a patient the
    // client may see (Provenance of plans, tasks for others) is the programme's, not the client's to vouch for.
    if (req.operation !== undefined && req.operation !== 'metadata') return invokeOperation({ ...ctx, principal: undefined }, req);
  }
  if (type === 'AuditEvent') return auditInteraction(ctx, req);
  if (req.operation === 'metadata' && !type) {
    if (method !== 'GET') notAllowed(req);
    return { status: 200, body: capabilityStatement(ctx) };
  }
  if (req.operation !== undefined) return invokeOperation(ctx, req);
  if (req.history) {
    if (method !== 'GET') notAllowed(req);
    return history(ctx, req);
  }
  if (req.search) {
    if (method !== 'POST') notAllowed(req);
    return search(ctx, req);
  }
  if (req.versionId !== undefined) {
    if (method !== 'GET') notAllowed(req);
    return vread(ctx, req);
  }
  if (req.compartment) {
    if (method !== 'GET') notAllowed(req);
    return search(ctx, req);
  }
  if (!type) {
    if (method === 'GET') return search(ctx, req);
    if (method === 'POST') return processBundle(ctx, req);
    return notAllowed(req);
  }
  if (id === undefined) {
    switch (method) {
      case 'GET':
        return search(ctx, req);
      case 'POST':
        return create(ctx, req);
      case 'PUT':
        return update(ctx, req);
      case 'PATCH':
        return patch(ctx, req);
      case 'DELETE':
        return remove(ctx, req);
    }
  }
  switch (method) {
    case 'GET':
      return read(ctx, req);
    case 'PUT':
      return update(ctx, req);
    case 'PATCH':
      return patch(ctx, req);
    case 'DELETE':
      return remove(ctx, req);
  }
  return notAllowed(req);
}

function notAllowed(req: FhirRequest): never {
  return fail(405, 'not-supported', `${req.method} is not allowed on this endpoint`);
}
