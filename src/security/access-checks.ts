import type { Resource } from '@medplum/fhirtypes';
import { reader, type FhirContext, type WriteHook } from '../fhir/context.js';
import { fail, notFound } from '../fhir/errors.js';
import type { FhirRequest } from '../fhir/request.js';
import type { SearchPlan } from '../search/plan.js';
import type { Principal } from './access-tokens.js';
import { accessTo } from './access-rules.js';

/*
 * Where the access rules (access-rules.ts) meet requests: searches get the rule as one more condition,
 * an instance the client may not see answers 404 as if it did not exist, and a client's write must leave a
 * resource its organisation can see (else 403, and the transaction rolls back).
 */


/** Add the principal's access rule to a search of `plan.types` (403 for a multi-type search it would restrict). */
export function restrictSearch(principal: Principal, plan: SearchPlan): void {
  const rules = plan.types.map((t) => accessTo(principal, t));
  if (rules.every((r) => r.kind === 'all')) return;
  if (plan.types.length > 1) forbidden('A search across several resource types that hold patient data needs the admin scope: search one type at a time');
  const rule = rules[0];
  plan.where.push(rule.kind === 'where' ? rule.condition : { kind: 'anyOf', alternatives: [] }); // no alternative: matches nothing
}

/** Whether the principal may see `type/id` (which is assumed to exist). */
export async function visible(ctx: FhirContext, principal: Principal, type: string, id: string): Promise<boolean> {
  const rule = accessTo(principal, type);
  if (rule.kind !== 'where') return rule.kind === 'all';
  const page = await reader(ctx).search({ types: [type], where: [{ kind: 'id', ids: [id] }, rule.condition], sort: [], count: 1, offset: 0, total: 'none' });
  return page.versions.length > 0;
}

/**
 * Before an interaction: an existing instance the principal may not see is "not found" (a resource that
 * does not exist is left to the handler: a PUT may create it); so is the subject of `$apply`.
 */
export async function checkInstanceAccess(ctx: FhirContext, principal: Principal, req: FhirRequest): Promise<void> {
  if (req.resourceType && req.id !== undefined) await mustSee(ctx, principal, req.resourceType, req.id);
  if (req.operation === 'apply') {
    const subject = applySubject(req);
    if (subject) await mustSee(ctx, principal, 'Patient', subject);
  }
  if (req.history && req.id === undefined && (!req.resourceType || accessTo(principal, req.resourceType).kind !== 'all'))
    forbidden('History across resources that hold patient data needs the admin scope: read the history of one resource');
}

async function mustSee(ctx: FhirContext, principal: Principal, type: string, id: string): Promise<void> {
  if (accessTo(principal, type).kind === 'all') return;
  const current = await reader(ctx).readCurrent(type, id);
  if (!current || current.deleted) return;
  if (!(await visible(ctx, principal, type, id))) notFound(`${type}/${id} not found`);
}

/** The patient id `$apply` is asked for (query `subject=Patient/x`, or a Parameters body). */
function applySubject(req: FhirRequest): string | undefined {
  const fromBody = (req.body as { parameter?: { name?: string; valueString?: string; valueReference?: { reference?: string } }[] } | undefined)?.parameter?.find((p) => p.name === 'subject');
  const ref = req.query.subject?.[0] ?? fromBody?.valueString ?? fromBody?.valueReference?.reference;
  return /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref ?? '')?.[1];
}

/** After a client's create, update or patch, in its transaction: the result must be visible to the writer. */
export const accessWriteHook: WriteHook = async (ctx, written: Resource) => {
  const principal = ctx.principal;
  if (!principal || (await visible(ctx, principal, written.resourceType, written.id!))) return;
  forbidden(`${written.resourceType}/${written.id} would not be visible to ${principal.organization}: its organisation must be involved in the patient's care (GP, care team, episode of care, open referral or task)`);
};

/** Included resources the principal may see (the others are left out of the Bundle). */
export async function visibleOnly(ctx: FhirContext, principal: Principal, resources: Resource[]): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const r of resources) if (await visible(ctx, principal, r.resourceType, r.id!)) out.push(r);
  return out;
}

function forbidden(diagnostics: string): never {
  return fail(403, 'forbidden', diagnostics);
}
