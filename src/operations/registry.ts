import type { FhirContext } from '../fhir/context.js';
import { fail } from '../fhir/errors.js';
import type { FhirRequest, FhirResponse, HttpMethod } from '../fhir/request.js';
import { advanceClockOperation } from './advance-clock.js';
import { applyOperation } from './apply.js';
import { careOverviewOperation } from './care-overview.js';
import { everythingOperation } from './everything.js';
import { snapshotOperation } from './snapshot.js';
import { validateOperation } from './validate.js';
import { eventOperation, migrateWorkflowsOperation, workflowDefinitionOperation, workflowOperation } from './workflow.js';

export type OperationLevel = 'system' | 'type' | 'instance';

/** One FHIR operation: where it may be invoked and how. The table also feeds the CapabilityStatement. */
export interface OperationDefinitionEntry {
  name: string;
  /** Canonical URL of the OperationDefinition it implements. */
  definition: string;
  levels: OperationLevel[];
  /** Resource types for type/instance level; undefined means every type. */
  resourceTypes?: string[];
  methods: HttpMethod[];
  handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse>;
}

export const operations: OperationDefinitionEntry[] = [
  validateOperation, everythingOperation, applyOperation, careOverviewOperation, snapshotOperation,
  workflowOperation, eventOperation, workflowDefinitionOperation, advanceClockOperation, migrateWorkflowsOperation,
];

export async function invokeOperation(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const level: OperationLevel = req.id !== undefined ? 'instance' : req.resourceType ? 'type' : 'system';
  const candidates = operations.filter((op) => op.name === req.operation);
  if (candidates.length === 0) fail(404, 'not-supported', `Unknown operation $${req.operation}`);
  const op = candidates.find(
    (o) => o.levels.includes(level) && (!o.resourceTypes || (req.resourceType && o.resourceTypes.includes(req.resourceType))),
  );
  if (!op) fail(404, 'not-supported', `$${req.operation} is not available at ${level} level${req.resourceType ? ` on ${req.resourceType}` : ''}`);
  if (!op!.methods.includes(req.method)) fail(405, 'not-supported', `$${req.operation} does not accept ${req.method}`);
  return op!.handler(ctx, req);
}
