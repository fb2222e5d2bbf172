import type { Resource } from '@medplum/fhirtypes';
import { reader, type FhirContext } from '../fhir/context.js';
import type { QueryParams } from '../fhir/request.js';
import { buildSearchPlan } from '../search/parse.js';

/** Most resources of one kind read for one patient or programme; more would be a data problem, not a plan. */
export const SEARCH_LIMIT = 1000;

/**
 * The resources of `type` matching FHIR search criteria, read through the open transaction when there is one
 * (so $apply sees exactly what it writes against). Criteria are the server's own: an unknown one is a bug.
 */
export async function searchResources<T extends Resource>(ctx: FhirContext, type: string, query: QueryParams, limit = SEARCH_LIMIT): Promise<T[]> {
  const { plan, unknown } = buildSearchPlan([type], query, { defaultCount: limit, maxCount: limit, baseUrl: ctx.config.baseUrl, defaultTotal: 'none' });
  if (unknown.length) throw new Error(`Unknown search parameter(s) ${unknown.join(', ')} on ${type}`);
  const page = await reader(ctx).search({ ...plan, count: limit, offset: 0, total: 'none' });
  return page.versions.map((v) => JSON.parse(v.json!) as T);
}

/** A stored resource by reference (`Type/id`), or undefined when it is missing or deleted. */
export async function readReference<T extends Resource>(ctx: FhirContext, reference: string | undefined): Promise<T | undefined> {
  const local = reference?.startsWith(`${ctx.config.baseUrl}/`) ? reference.slice(ctx.config.baseUrl.length + 1) : reference;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(local ?? '');
  if (!m) return undefined;
  const v = await reader(ctx).readCurrent(m[1], m[2]);
  return v && !v.deleted ? (JSON.parse(v.json!) as T) : undefined;
}
