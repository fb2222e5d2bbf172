import { fail } from '../fhir/errors.js';
import type { FhirRequest } from '../fhir/request.js';
import type { Principal } from './access-tokens.js';
import { permits, type Permission } from './scopes.js';

/*
 * Which scopes an interaction needs (SMART v2 letters: c create, r read, u update, d delete, s search),
 * checked for every request and every entry of a batch or transaction, before the interaction runs.
 */

/** Definitions every authenticated client may read; writing them needs the admin scope. */
const DEFINITIONAL = new Set([
  'PlanDefinition', 'ActivityDefinition', 'Library', 'Questionnaire', 'StructureDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap',
  'SearchParameter', 'OperationDefinition', 'CapabilityStatement', 'Organization', 'Practitioner', 'PractitionerRole',
]);

type Need = { type: string; permission: Permission } | 'admin';

/** What each operation needs beyond authentication; an operation missing here needs the admin scope. */
const OPERATIONS: Record<string, (req: FhirRequest) => Need[]> = {
  validate: (req) => [{ type: req.resourceType ?? '*', permission: 'r' }],
  // Every kind of resource in the patient's compartment: read and search on all types.
  everything: () => [{ type: '*', permission: 'r' }, { type: '*', permission: 's' }],
  apply: () => [{ type: 'PlanDefinition', permission: 'r' }, { type: 'CarePlan', permission: 'c' }],
  'care-overview': () => [{ type: 'CarePlan', permission: 'r' }, { type: 'Task', permission: 's' }],
  snapshot: () => [{ type: 'StructureDefinition', permission: 'r' }],
  workflow: () => [{ type: 'CarePlan', permission: 'r' }],
  event: () => [{ type: 'CarePlan', permission: 'u' }],
  'workflow-definition': () => [{ type: 'PlanDefinition', permission: 'r' }],
};

export function needsOf(req: FhirRequest): Need[] {
  const type = req.resourceType ?? '*';
  if (req.operation === 'metadata' && !req.resourceType) return [];
  if (req.operation !== undefined) return (OPERATIONS[req.operation] ?? (() => ['admin' as const]))(req);
  if (req.history) return [{ type, permission: 'r' }];
  if (req.search || req.compartment) return [{ type, permission: 's' }];
  if (!req.resourceType) {
    // A Bundle's entries are checked one by one as they run; a system-level search needs the types it reads.
    if (req.method === 'POST') return [];
    const types = req.query._type?.flatMap((t) => t.split(',')).filter(Boolean) ?? ['*'];
    return types.map((t) => ({ type: t, permission: 's' as const }));
  }
  switch (req.method) {
    case 'GET':
      return [{ type, permission: req.id === undefined ? 's' : 'r' }];
    case 'POST':
      return [{ type, permission: 'c' }];
    case 'PUT':
    case 'PATCH':
      return [{ type, permission: 'u' }];
    case 'DELETE':
      return [{ type, permission: 'd' }];
  }
}

/** 403 with an OperationOutcome unless `principal`'s token allows `req`. */
export function authorize(principal: Principal, req: FhirRequest): void {
  for (const need of needsOf(req)) {
    if (need === 'admin') {
      if (!principal.scopes.admin) forbidden(`$${req.operation} needs the admin scope`);
      continue;
    }
    const { type, permission } = need;
    if (type === 'AuditEvent' && !principal.scopes.admin) forbidden('AuditEvents are for clients with the admin scope');
    if (DEFINITIONAL.has(type)) {
      if (permission === 'r' || permission === 's') continue;
      if (!principal.scopes.admin) forbidden(`Writing ${type} needs the admin scope`);
    }
    if (!permits(principal.scopes, type, permission)) {
      forbidden(`The token's scopes (${principal.scope}) do not allow ${LABEL[permission]} on ${type === '*' ? 'every resource type' : type}: system/${type}.${permission} is needed`);
    }
  }
}

const LABEL: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

function forbidden(diagnostics: string): never {
  return fail(403, 'forbidden', diagnostics);
}
