import type { BundleLink, OperationOutcome } from '@medplum/fhirtypes';
import { buildSearchPlan } from '../search/parse.js';
import type { Condition } from '../search/plan.js';
import { compartmentCondition } from './compartment.js';
import { reader, type FhirContext } from './context.js';
import { badRequest } from './errors.js';
import { intParam, offsetLinks } from './paging.js';
import { parsePrefer, type FhirRequest, type FhirResponse, type QueryParams } from './request.js';
import { assertSupportedType, isSupportedType } from './resource-types.js';
import { supportedResourceTypes } from './definitions.js';

/** Parameters that shape the result rather than select resources; never "unknown". */
const RESULT_PARAMS = new Set(['_format', '_pretty', '_offset', '_snapshot']);

/**
 * Type, system and compartment search (GET, or POST to _search with a form body).
 * The Bundle is assembled from stored JSON text without re-parsing matched resources.
 */
export async function search(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const query = mergeFormBody(req);
  const types = searchTypes(req, query);
  const selecting = Object.fromEntries(Object.entries(query).filter(([k]) => !RESULT_PARAMS.has(k) && k !== '_type'));
  const { plan, unknown } = buildSearchPlan(types, selecting, {
    defaultCount: ctx.config.defaultCount,
    maxCount: ctx.config.maxCount,
    baseUrl: ctx.config.baseUrl,
  });
  const strict = parsePrefer(req.headers.prefer).handling === 'strict';
  if (unknown.length && strict) badRequest(`Unknown or unsupported search parameter(s): ${unknown.join(', ')}`);
  if (req.compartment) plan.where.push(compartmentFor(req, types));
  plan.offset = intParam(query, '_offset', 0);
  const page = await reader(ctx).search(plan);

  const base = req.compartment
    ? `${ctx.config.baseUrl}/${req.compartment.type}/${req.compartment.id}/${req.resourceType}`
    : req.resourceType
      ? `${ctx.config.baseUrl}/${req.resourceType}`
      : ctx.config.baseUrl;
  const hasMore = page.versions.length === plan.count && (page.total === undefined || plan.offset + plan.count < page.total);
  const links = offsetLinks(base, withoutPaging(query), plan.offset, plan.count, page.total, hasMore);
  const entries = page.versions.map(
    (v) => `{"fullUrl":${JSON.stringify(`${ctx.config.baseUrl}/${v.type}/${v.id}`)},"resource":${v.json},"search":{"mode":"match"}}`,
  );
  if (unknown.length) entries.push(outcomeEntry(unknown));
  const json =
    `{"resourceType":"Bundle","type":"searchset"` +
    (page.total !== undefined ? `,"total":${page.total}` : '') +
    `,"link":${JSON.stringify(links satisfies BundleLink[])}` +
    (entries.length ? `,"entry":[${entries.join(',')}]` : '') +
    '}';
  return { status: 200, json };
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

function compartmentFor(req: FhirRequest, types: string[]): Condition {
  const { type, id } = req.compartment!;
  return compartmentCondition(type, id, types[0]);
}

function withoutPaging(query: QueryParams): QueryParams {
  const { _offset, _count, ...rest } = query;
  void _offset;
  void _count;
  return rest;
}

function outcomeEntry(unknown: string[]): string {
  const oo: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: unknown.map((name) => ({
      severity: 'warning',
      code: 'not-supported',
      diagnostics: `Search parameter "${name}" is unknown or not supported and was ignored`,
    })),
  };
  return `{"resource":${JSON.stringify(oo)},"search":{"mode":"outcome"}}`;
}
