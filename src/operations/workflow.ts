import { createHash } from 'node:crypto';
import type { Parameters, PlanDefinition } from '@medplum/fhirtypes';
import { describeMachine } from '../../workflows/describe.js';
import { machineFor } from '../../workflows/registry.js';
import { inTransaction, type FhirContext } from '../fhir/context.js';
import { FhirError, badRequest } from '../fhir/errors.js';
import { collectParameters } from '../fhir/parameters.js';
import { readCurrentOrFail } from '../fhir/read.js';
import type { FhirRequest, FhirResponse } from '../fhir/request.js';
import { applyEvent, definitionOf, loadInstance } from '../workflow/engine.js';
import { parseEventInput } from '../workflow/event-input.js';
import { migrateInstances } from '../workflow/migrate.js';
import { workflowReport } from '../workflow/report.js';
import type { OperationDefinitionEntry } from './registry.js';

/*
 * The workflow API (docs/WORKFLOW-MODEL.md): CarePlan/{id}/$workflow (the course now), CarePlan/{id}/$event
 * (step it), PlanDefinition/{id}/$workflow-definition (the machine as JSON). The engine is src/workflow/.
 */

const OD = 'https://forlob.dk/fhir/OperationDefinition';

export const workflowOperation: OperationDefinitionEntry = {
  name: 'workflow',
  definition: `${OD}/CarePlan-workflow`,
  levels: ['instance'],
  resourceTypes: ['CarePlan'],
  methods: ['GET'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const { inst } = await loadInstance(ctx.store, req.id!);
    const def = definitionOf(inst);
    const [timers, history] = await Promise.all([ctx.store.workflow.timers(inst.carePlanId), ctx.store.workflow.transitions(inst.carePlanId)]);
    return { status: 200, body: workflowReport({ def, inst, timers, history }), versionId: inst.carePlanVersion };
  },
};

/** What a request was, so a reused Idempotency-Key with another request is refused. */
function fingerprint(req: FhirRequest): string {
  return createHash('sha256').update(JSON.stringify([req.method, req.resourceType, req.id, req.operation, req.query, req.body ?? null])).digest('base64url');
}

function remembered(row: { fingerprint: string; status: number; body: string }, print: string): FhirResponse {
  if (row.fingerprint !== print)
    throw new FhirError(422, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'This Idempotency-Key was used for another request' }] });
  const body = JSON.parse(row.body) as Parameters;
  return { status: row.status, body, headers: { 'Idempotent-Replayed': 'true' } };
}

export const eventOperation: OperationDefinitionEntry = {
  name: 'event',
  definition: `${OD}/CarePlan-event`,
  levels: ['instance'],
  resourceTypes: ['CarePlan'],
  methods: ['POST'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const key = req.headers.idempotencyKey;
    if (key !== undefined && (key.length === 0 || key.length > 255)) badRequest('Idempotency-Key must be 1–255 characters');
    const print = key === undefined ? '' : fingerprint(req);
    const known = key === undefined ? undefined : await ctx.store.workflow.idempotency(key);
    if (known) return remembered(known, print);
    // The machine's event schemas, to check the data before the transaction; applyEvent reads the CarePlan itself.
    const inst = await ctx.store.workflow.instance(req.id!);
    if (!inst) await loadInstance(ctx.store, req.id!); // 404 / 410 with the reason
    const def = definitionOf(inst!);
    const input = parseEventInput(collectParameters(req, 'event'), def.eventSchemas);
    return inTransaction(ctx, async (tx) => {
      // Checked again inside the transaction: two retries racing each other get one answer.
      const raced = key === undefined ? undefined : await tx.tx.workflow.idempotency(key);
      if (raced) return remembered(raced, print);
      const result = await applyEvent(tx, req.id!, input.event, { ...(input.by && { by: input.by }), ifMatch: req.headers.ifMatch });
      const now = result.instance;
      const body = workflowReport({ def: definitionOf(now), inst: now, snapshot: result.snapshot, timers: result.timers, carePlan: result.carePlan });
      if (key !== undefined) await tx.tx.workflow.rememberIdempotency({ key, fingerprint: print, status: 200, body: JSON.stringify(body), created: tx.now() });
      return { status: 200, body, versionId: now.carePlanVersion, lastUpdated: result.carePlan.meta?.lastUpdated };
    });
  },
};

export const workflowDefinitionOperation: OperationDefinitionEntry = {
  name: 'workflow-definition',
  definition: `${OD}/PlanDefinition-workflow-definition`,
  levels: ['instance'],
  resourceTypes: ['PlanDefinition'],
  methods: ['GET'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const plan = JSON.parse((await readCurrentOrFail(ctx, 'PlanDefinition', req.id!)).json!) as PlanDefinition;
    const def = machineFor(plan);
    const json = JSON.stringify({ ...describeMachine(def.machine), version: def.version, eventSchemas: def.eventSchemas });
    return { status: 200, json, contentType: 'application/json; charset=utf-8' };
  },
};

/** POST /fhir/$migrate-workflows: `machine`, `from`, `to` — every running instance of `from` moves to `to`. */
export const migrateWorkflowsOperation: OperationDefinitionEntry = {
  name: 'migrate-workflows',
  definition: `${OD}/migrate-workflows`,
  levels: ['system'],
  methods: ['POST'],
  async handler(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const params = collectParameters(req, 'migrate-workflows');
    const one = (name: string) => {
      const v = params.get(name);
      if (!v || v.length !== 1) badRequest(`$migrate-workflows needs one ${name}`);
      return v![0];
    };
    const moved = await migrateInstances(ctx, one('machine'), one('from'), one('to'));
    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [{ name: 'count', valueInteger: moved.length }, ...moved.map((id) => ({ name: 'migrated', valueReference: { reference: `CarePlan/${id}` } }))],
    };
    return { status: 200, body };
  },
};
