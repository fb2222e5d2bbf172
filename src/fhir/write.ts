import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { extractIndex } from '../search/extract.js';
import { VersionConflict, type StoredVersion, type WriteMethod } from '../store/types.js';
import type { FhirContext, TxContext } from './context.js';
import { FhirError, conflict } from './errors.js';
import { prepareSearchParameter } from './search-parameters.js';
import type { FhirResponse } from './request.js';

/** Resources that change how the server validates; they take effect as soon as they are written. */
const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem']);

/** Issue codes of base-structure errors (400); anything else (profiles, bindings, invariants) is 422. */
const STRUCTURAL = new Set(['structure', 'required', 'value', 'invalid', 'too-long']);

/** Reject a resource with errors; warnings pass. */
export function assertValid(ctx: FhirContext, resource: Resource, options?: { profiles?: boolean }): void {
  const issues = ctx.validator.validate(resource, options);
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length === 0) return;
  const status = errors.every((i) => STRUCTURAL.has(i.code)) ? 400 : 422;
  throw new FhirError(status, { resourceType: 'OperationOutcome', issue: errors as OperationOutcomeIssue[] });
}

/** The resource with id and meta set for a new version, with resourceType, id and meta first. */
export function stamp(resource: Resource, id: string, versionId: number, lastUpdated: string): Resource {
  const { resourceType, id: _id, meta, ...rest } = resource;
  return {
    resourceType,
    id,
    meta: { ...meta, versionId: String(versionId), lastUpdated },
    ...rest,
  } as Resource;
}

export interface WriteOptions {
  /**
   * The server's own write, built by code from validated input (the workflow engine's effects): checked
   * against the base definition on every write; conformance to meta.profile is the code's, proven by tests
   * (test/integration/workflow-profiles.test.ts) rather than re-proven per write at ~3 ms a CarePlan.
   */
  trusted?: boolean;
}

/**
 * Validate, stamp, index and store a new version of `resource` after `previous` (undefined for a
 * new resource). The caller has checked preconditions; a concurrent writer still loses with 409.
 */
export async function writeVersion(
  ctx: TxContext,
  resource: Resource,
  id: string,
  method: WriteMethod,
  previous: StoredVersion | undefined,
  options: WriteOptions = {},
): Promise<FhirResponse> {
  const versionId = (previous?.versionId ?? 0) + 1;
  const lastUpdated = ctx.now();
  const stamped = stamp(resource, id, versionId, lastUpdated);
  assertValid(ctx, stamped, options.trusted ? { profiles: false } : undefined);
  // A conformance resource the validator cannot use is refused now; it takes effect after commit.
  if (CONFORMANCE_TYPES.has(stamped.resourceType)) ctx.afterCommit.push(ctx.validator.prepare(stamped));
  if (stamped.resourceType === 'SearchParameter')
    ctx.afterCommit.push(prepareSearchParameter(stamped, ctx.store, (msg, err) => ctx.logger.info({ err: errorText(err) }, msg)));
  const json = JSON.stringify(stamped);
  try {
    await ctx.tx.write({
      type: stamped.resourceType,
      id,
      versionId,
      lastUpdated,
      method,
      json,
      index: extractIndex(stamped),
    });
  } catch (err) {
    if (err instanceof VersionConflict) conflict(err.message);
    throw err;
  }
  const created = !previous || previous.deleted;
  return {
    status: created ? 201 : 200,
    body: stamped,
    json,
    versionId,
    lastUpdated,
    location: `${ctx.config.baseUrl}/${stamped.resourceType}/${id}/_history/${versionId}`,
    resourceType: stamped.resourceType,
    id,
  };
}

/** Record a delete as a new version without content. */
export async function writeDelete(ctx: TxContext, current: StoredVersion): Promise<FhirResponse> {
  const versionId = current.versionId + 1;
  const lastUpdated = ctx.now();
  if (CONFORMANCE_TYPES.has(current.type)) {
    const resource = JSON.parse(current.json!) as Resource;
    ctx.afterCommit.push(() => ctx.validator.forget(resource));
  }
  try {
    await ctx.tx.write({ type: current.type, id: current.id, versionId, lastUpdated, method: 'DELETE' });
  } catch (err) {
    if (err instanceof VersionConflict) conflict(err.message);
    throw err;
  }
  return {
    status: 200,
    versionId,
    lastUpdated,
    resourceType: current.type,
    id: current.id,
    body: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: `Deleted ${current.type}/${current.id}` }],
    },
  };
}

function errorText(err: unknown): string | undefined {
  return err === undefined ? undefined : err instanceof Error ? err.message : String(err);
}

/** A client's write (create, update, patch): writeVersion, then the write hooks in the same transaction. */
export async function writeClientVersion(
  ctx: TxContext,
  resource: Resource,
  id: string,
  method: WriteMethod,
  previous: StoredVersion | undefined,
): Promise<FhirResponse> {
  const response = await writeVersion(ctx, resource, id, method, previous);
  for (const hook of ctx.writeHooks ?? []) await hook(ctx, response.body!, previous);
  return response;
}
