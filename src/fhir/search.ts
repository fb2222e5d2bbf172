import type { BundleLink, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { buildSearchPlan } from '../search/parse.js';
import type { SearchPage } from '../search/plan.js';
import { compartmentCondition } from './compartment.js';
import { reader, type FhirContext } from './context.js';
import { supportedResourceTypes } from './definitions.js';
import { badRequest } from './errors.js';
import { intParam, offsetLinks, urlWith } from './paging.js';
import { parsePrefer, type FhirRequest, type FhirResponse, type QueryParams } from './request.js';
import { assertSupportedType, isSupportedType } from './resource-types.js';
import { MAX_INCLUDED, resolveIncludes } from './search-includes.js';
import { needsShaping, shapeResource } from './shaping.js';
import { restrictSearch, visibleOnly } from '../security/access-checks.js';

/** Paging parameters of this server (cursors from a previous page, or a plain offset). */
const PAGING = new Set(['_after', '_before', '_offset']);
/** Parameters handled here or by the HTTP layer; never "unknown". */
const NOT_CRITERIA = new Set([...PAGING, '_format', '_pretty', '_type']);

/**
 * Type, system and compartment search (GET, or POST to _search with a form body).
 * Pages are keyset-paged: `next` / `previous` links carry a cursor, so pages neither repeat nor
 * skip unchanged resources while others are written. Without _include, _summary or _elements the
 * Bundle is assembled from stored JSON text, without re-parsing the matched resources.
 */
export async function search(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const query = mergeFormBody(req);
  const types = searchTypes(req, query);
  const criteria = Object.fromEntries(Object.entries(query).filter(([k]) => !NOT_CRITERIA.has(k)));
  const { plan, unknown, result } = buildSearchPlan(types, criteria, {
    defaultCount: ctx.config.defaultCount,
    maxCount: ctx.config.maxCount,
    baseUrl: ctx.config.baseUrl,
    // Counting costs as much as the matches: only on request (_total=accurate), or for free below.
    defaultTotal: 'none',
  });
  if (unknown.length && parsePrefer(req.headers.prefer).handling === 'strict')
    badRequest(`Unknown or unsupported search parameter(s): ${unknown.join(', ')}`);
  if (req.compartment) plan.where.push(compartmentCondition(req.compartment.type, req.compartment.id, types[0]));
  // Only what the client's organisation may see, in the query itself: paging and totals stay right.
  if (ctx.principal) restrictSearch(ctx.principal, plan);

  const after = query._after?.[0];
  const before = query._before?.[0];
  const useOffset = query._offset !== undefined;
  if (useOffset) plan.offset = intParam(query, '_offset', 0);
  else if (after !== undefined) plan.page = { after };
  else if (before !== undefined) plan.page = { before };
  const page = await reader(ctx).search(plan);
  // A first page that holds every match gives the exact total without a count query.
  const complete = page.versions.length < plan.count || (plan.count > 0 && page.next === undefined);
  if (page.total === undefined && !plan.page && plan.offset === 0 && complete && query._total?.[0] !== 'none')
    page.total = page.versions.length;

  const base = searchBase(ctx, req);
  const linkQuery = Object.fromEntries(Object.entries(query).filter(([k]) => !PAGING.has(k) && k !== '_count'));
  const links = useOffset
    ? offsetLinks(base, linkQuery, plan.offset, plan.count, page.total, page.next !== undefined)
    : cursorLinks(base, linkQuery, plan.count, query, page);

  const issues: OperationOutcomeIssue[] = unknown.map((name) => ({
    severity: 'warning',
    code: 'not-supported',
    diagnostics: `Search parameter "${name}" is unknown or not supported and was ignored`,
  }));
  const fullUrl = (type: string, id: string) => JSON.stringify(`${ctx.config.baseUrl}/${type}/${id}`);
  const entries: string[] = [];
  if (result.include.length || result.revinclude.length || needsShaping(result)) {
    const matches = page.versions.map((v) => JSON.parse(v.json!) as Resource);
    const included = await resolveIncludes(ctx, matches, result.include, result.revinclude);
    if (ctx.principal) included.resources = await visibleOnly(ctx, ctx.principal, included.resources);
    if (included.truncated)
      issues.push({ severity: 'warning', code: 'too-costly', diagnostics: `Only the first ${MAX_INCLUDED} included resources are returned` });
    const shape = (r: Resource) => (needsShaping(result) ? shapeResource(r, result) : r);
    for (const r of matches) entries.push(`{"fullUrl":${fullUrl(r.resourceType, r.id!)},"resource":${JSON.stringify(shape(r))},"search":{"mode":"match"}}`);
    for (const r of included.resources)
      entries.push(`{"fullUrl":${fullUrl(r.resourceType, r.id!)},"resource":${JSON.stringify(shape(r))},"search":{"mode":"include"}}`);
  } else {
    for (const v of page.versions) entries.push(`{"fullUrl":${fullUrl(v.type, v.id)},"resource":${v.json},"search":{"mode":"match"}}`);
  }
  if (issues.length) {
    const oo: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
    entries.push(`{"resource":${JSON.stringify(oo)},"search":{"mode":"outcome"}}`);
  }
  const json =
    `{"resourceType":"Bundle","type":"searchset"` +
    (page.total !== undefined ? `,"total":${page.total}` : '') +
    `,"link":${JSON.stringify(links)}` +
    (entries.length ? `,"entry":[${entries.join(',')}]` : '') +
    '}';
  return { status: 200, json };
}

function cursorLinks(base: string, query: QueryParams, count: number, raw: QueryParams, page: SearchPage): BundleLink[] {
  const withCount = { ...query, _count: [String(count)] };
  const self = raw._after ? { ...withCount, _after: raw._after } : raw._before ? { ...withCount, _before: raw._before } : withCount;
  const links: BundleLink[] = [
    { relation: 'self', url: urlWith(base, self) },
    { relation: 'first', url: urlWith(base, withCount) },
  ];
  if (page.previous !== undefined) links.push({ relation: 'previous', url: urlWith(base, { ...withCount, _before: [page.previous] }) });
  if (page.next !== undefined) links.push({ relation: 'next', url: urlWith(base, { ...withCount, _after: [page.next] }) });
  return links;
}

function searchBase(ctx: FhirContext, req: FhirRequest): string {
  if (req.compartment) return `${ctx.config.baseUrl}/${req.compartment.type}/${req.compartment.id}/${req.resourceType}`;
  return req.resourceType ? `${ctx.config.baseUrl}/${req.resourceType}` : ctx.config.baseUrl;
}

function mergeFormBody(req: FhirRequest): QueryParams {
  if (!req.search || req.body === undefined) return req.query;
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
    badRequest('POST _search needs an application/x-www-form-urlencoded body');
  const merged: QueryParams = { ...req.query };
  for (const [k, v] of Object.entries(req.body as QueryParams)) merged[k] = [...(merged[k] ?? []), ...v];
  return merged;
}

function searchTypes(req: FhirRequest, query: QueryParams): string[] {
  if (req.resourceType) {
    assertSupportedType(req.resourceType);
    return [req.resourceType];
  }
  const listed = (query._type ?? []).flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
  for (const t of listed) if (!isSupportedType(t)) badRequest(`Unknown resource type in _type: ${t}`);
  return listed.length ? listed : supportedResourceTypes();
}
