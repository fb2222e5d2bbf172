import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../store/types.js';
import { reader, type FhirContext } from './context.js';
import { badRequest, notFound } from './errors.js';
import { intParam, offsetLinks, pageSize } from './paging.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { assertSupportedType } from './resource-types.js';
import { dateRange } from '../search/normalize.js';

/** Instance, type and system history: GET [/{type}[/{id}]]/_history?_count&_since&_at. */
export async function history(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const { resourceType: type, id } = req;
  if (type) assertSupportedType(type);
  if (type && id) {
    const current = await reader(ctx).readCurrent(type, id);
    if (!current) notFound(`${type}/${id} not found`);
  }
  const count = pageSize(req.query, ctx.config.defaultCount, ctx.config.maxCount);
  const offset = intParam(req.query, '_offset', 0);
  const since = req.query._since?.[0];
  const at = req.query._at?.[0];
  const snapshot = req.query._snapshot?.[0];
  const page = await reader(ctx).history({
    type,
    id,
    since: since === undefined ? undefined : parseInstant('_since', since),
    at: at === undefined ? undefined : atRange(at),
    maxSeq: snapshot === undefined ? undefined : intParam(req.query, '_snapshot', 0),
    count,
    offset,
  });
  const path = [type, id, '_history'].filter(Boolean).join('/');
  const base = `${ctx.config.baseUrl}/${path}`;
  const linkQuery = { ...pick(req.query, ['_since', '_at']), _snapshot: [String(page.maxSeq)] };
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    total: page.total,
    link: offsetLinks(base, linkQuery, offset, count, page.total, offset + page.versions.length < page.total),
    entry: page.versions.map((v) => historyEntry(ctx, v)),
  };
  return { status: 200, body: bundle };
}

function historyEntry(ctx: FhirContext, v: StoredVersion): BundleEntry {
  const entry: BundleEntry = { fullUrl: `${ctx.config.baseUrl}/${v.type}/${v.id}` };
  if (!v.deleted) entry.resource = JSON.parse(v.json!) as Resource;
  const created = v.method === 'POST' || v.versionId === 1;
  entry.request = { method: v.method, url: v.method === 'POST' ? v.type : `${v.type}/${v.id}` };
  entry.response = {
    status: v.deleted ? '204 No Content' : created ? '201 Created' : '200 OK',
    etag: `W/"${v.versionId}"`,
    lastModified: v.lastUpdated,
  };
  return entry;
}

function pick(query: Record<string, string[]>, names: string[]): Record<string, string[]> {
  return Object.fromEntries(names.filter((n) => query[n]).map((n) => [n, query[n]]));
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function parseInstant(name: string, value: string): string {
  if (!INSTANT.test(value)) badRequest(`${name} must be an instant like 2024-01-31T12:00:00Z, got "${value}"`);
  return new Date(value).toISOString();
}

/** `_at`: a FHIR date/dateTime with its implicit precision, as [start, end) instants. */
function atRange(value: string): { start: string; end: string } {
  const range = dateRange(value);
  if (!range) badRequest(`_at must be a FHIR date or dateTime, got "${value}"`);
  return { start: new Date(range!.lo).toISOString(), end: new Date(range!.hi).toISOString() };
}

