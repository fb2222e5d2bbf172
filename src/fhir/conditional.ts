import { buildSearchPlan } from '../search/parse.js';
import type { StoredVersion } from '../store/types.js';
import { reader, type FhirContext } from './context.js';
import { badRequest } from './errors.js';
import type { QueryParams } from './request.js';

/** Parse the query part of a conditional header or URL ("identifier=a|b&active=true"). */
export function parseCriteria(criteria: string): QueryParams {
  const query: QueryParams = {};
  const q = criteria.includes('?') ? criteria.slice(criteria.indexOf('?') + 1) : criteria;
  for (const [k, v] of new URLSearchParams(q)) (query[k] ??= []).push(v);
  return query;
}

/**
 * The resources of `type` matching conditional criteria: at most two are fetched, since
 * callers only distinguish none, one and many. Criteria must be non-empty and fully understood.
 */
export async function findMatches(ctx: FhirContext, type: string, query: QueryParams): Promise<StoredVersion[]> {
  const criteria = Object.fromEntries(Object.entries(query).filter(([k]) => !k.startsWith('_format') && k !== '_pretty'));
  if (Object.keys(criteria).length === 0) badRequest('Conditional interaction needs search criteria');
  const { plan, unknown } = buildSearchPlan([type], criteria, {
    defaultCount: 2,
    maxCount: 2,
    baseUrl: ctx.config.baseUrl,
  });
  if (unknown.length) badRequest(`Unknown search parameter(s) in conditional criteria: ${unknown.join(', ')}`);
  const page = await reader(ctx).search({ ...plan, count: 2, offset: 0, total: 'none' });
  return page.versions;
}
