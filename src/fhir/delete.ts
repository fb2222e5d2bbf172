import type { StoredVersion } from '../store/types.js';
import { findMatches } from './conditional.js';
import { inTransaction, type FhirContext, type TxContext } from './context.js';
import { preconditionFailed } from './errors.js';
import { checkIfMatch } from './preconditions.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { assertValidId } from './resource-id.js';
import { assertSupportedType } from './resource-types.js';
import { writeDelete } from './write.js';

/** DELETE /{type}/{id} and conditional DELETE /{type}?criteria. */
export async function remove(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const type = req.resourceType!;
  assertSupportedType(type);
  // An id no resource can have is a malformed request, not a delete of nothing.
  if (req.id !== undefined) assertValidId(req.id);
  return inTransaction(ctx, async (txCtx) => {
    if (req.id !== undefined) {
      const current = await txCtx.tx.readCurrent(type, req.id);
      checkIfMatch(req.headers.ifMatch, current);
      // Deleting what never existed changes nothing; like a repeated delete, it succeeds.
      if (!current) return informational(`${type}/${req.id} does not exist; nothing was deleted`);
      return deleteVersion(txCtx, current);
    }
    const matches = await findMatches(txCtx, type, req.query);
    if (matches.length > 1) preconditionFailed(`Conditional delete matched more than one ${type}`);
    if (matches.length === 0) return informational(`No ${type} matched the criteria; nothing was deleted`);
    checkIfMatch(req.headers.ifMatch, matches[0]);
    return deleteVersion(txCtx, matches[0]);
  });
}

/** Deleting what is already deleted changes nothing and succeeds (FHIR R4 http.html#delete). */
async function deleteVersion(ctx: TxContext, current: StoredVersion): Promise<FhirResponse> {
  if (current.deleted) return { ...informational(`${current.type}/${current.id} is already deleted`), versionId: current.versionId };
  return writeDelete(ctx, current);
}

function informational(diagnostics: string): FhirResponse {
  return {
    status: 200,
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics }] },
  };
}
