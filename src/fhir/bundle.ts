import { STATUS_CODES } from 'node:http';
import type { Bundle, BundleEntry, BundleEntryResponse, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { findMatches, parseCriteria } from './conditional.js';
import { inTransaction, type FhirContext } from './context.js';
import { dispatch } from './dispatch.js';
import { FhirError, badRequest, outcome } from './errors.js';
import { parsePrefer, type FhirRequest, type FhirResponse, type HttpMethod } from './request.js';
import { newId } from './resource-id.js';
import { parseQuery, routeRequest } from './route.js';
import { rewriteReferences } from './bundle-references.js';

/** The spec's processing order for transactions (http.html#trules): DELETE, POST, PUT/PATCH, GET. */
const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

interface Entry {
  index: number;
  method: HttpMethod;
  path: string;
  query: Record<string, string[]>;
  fullUrl?: string;
  resource?: Resource;
  ifMatch?: string;
  ifNoneMatch?: string;
  ifNoneExist?: string;
  ifModifiedSince?: string;
  assignedId?: string;
  /** A conditional create's criteria matched this existing id: nothing is created. */
  matchedId?: string;
}

/** POST / with a batch or transaction Bundle. */
export async function processBundle(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const bundle = req.body as Bundle | undefined;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle')
    badRequest('POST to the base needs a Bundle of type batch or transaction');
  if (bundle!.type !== 'batch' && bundle!.type !== 'transaction')
    badRequest(`Bundle.type must be batch or transaction, not "${bundle!.type}"`, ['Bundle.type']);
  if (bundle!.entry !== undefined && !Array.isArray(bundle!.entry)) badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  const entries = (bundle!.entry ?? []).map((e, i) => parseEntry(ctx, e, i));
  const prefer = req.headers.prefer;
  return bundle!.type === 'transaction' ? transaction(ctx, entries, prefer) : batch(ctx, entries, prefer);
}

async function transaction(ctx: FhirContext, given: Entry[], prefer: string | undefined): Promise<FhirResponse> {
  const responses: ResponseEntry[] = new Array(given.length);
  // One store transaction for the whole Bundle: every entry sees the earlier entries' writes.
  await inTransaction(ctx, async (txCtx) => {
    // The store may run this again (PostgreSQL retries a serialization failure): each attempt works on its
    // own entries, since assigning ids changes them. Their resources are never changed in place: every one is
    // replaced by its rewritten copy (rewriteReferences copies) before anything is written.
    const entries = given.map((e) => ({ ...e }));
    const ordered = [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
    const deletes = ordered.filter((e) => e.method === 'DELETE');
    for (const e of deletes) responses[e.index] = await run(txCtx, e, prefer, true);
    // Decide every id before any write, so references between entries can be rewritten.
    const ids = new Map<string, string>();
    for (const e of entries) await assignIdentity(txCtx, e, ids);
    for (const e of entries) if (e.resource) e.resource = await rewriteReferences(txCtx, e.resource, ids, e.index);
    for (const e of ordered) if (e.method !== 'DELETE') responses[e.index] = await run(txCtx, e, prefer, true);
  });
  return { status: 200, json: responseBundle('transaction-response', responses) };
}

async function batch(ctx: FhirContext, entries: Entry[], prefer: string | undefined): Promise<FhirResponse> {
  const responses: ResponseEntry[] = [];
  for (const e of entries) {
    try {
      responses.push(await run(ctx, e, prefer, false));
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      responses.push({ entry: { response: { status: statusLine(err.status), outcome: err.outcome } } });
    }
  }
  return { status: 200, json: responseBundle('batch-response', responses) };
}

/**
 * Fix the identity of created and conditionally updated resources up front: a conditional create
 * that matches maps to the existing resource; other creates get a fresh id.
 */
async function assignIdentity(ctx: FhirContext, e: Entry, ids: Map<string, string>): Promise<void> {
  const type = e.path.split('/')[0];
  let id: string | undefined;
  if (e.method === 'POST' && e.resource) {
    if (e.ifNoneExist) {
      const matches = await findMatches(ctx, type, parseCriteria(e.ifNoneExist)).catch((err) => rethrow(err, e.index));
      if (matches.length > 1) rethrow(new FhirError(412, outcome('error', 'multiple-matches', `ifNoneExist matched more than one ${type}`)), e.index);
      if (matches.length === 1) id = e.matchedId = matches[0].id;
    }
    if (!id) {
      id = newId();
      e.assignedId = id;
    }
  } else if (e.method === 'PUT' && e.resource) {
    const segments = e.path.split('/');
    if (segments.length === 1 && Object.keys(e.query).length) {
      const matches = await findMatches(ctx, type, e.query).catch((err) => rethrow(err, e.index));
      if (matches.length > 1) rethrow(new FhirError(412, outcome('error', 'multiple-matches', `Conditional update matched more than one ${type}`)), e.index);
      id = matches[0]?.id ?? e.resource.id ?? newId();
      // Resolved now; the entry becomes a plain update of that id.
      e.path = `${type}/${id}`;
      e.query = {};
      e.resource = { ...e.resource, id };
    } else {
      id = segments[1];
    }
  }
  if (id && e.fullUrl) ids.set(e.fullUrl, `${type}/${id}`);
  if (id && e.fullUrl?.startsWith(ctx.config.baseUrl + '/')) ids.set(e.fullUrl.slice(ctx.config.baseUrl.length + 1), `${type}/${id}`);
}

async function run(ctx: FhirContext, e: Entry, prefer: string | undefined, inTx: boolean): Promise<ResponseEntry> {
  const req = routeRequest(
    e.method,
    e.path,
    e.query,
    { ifMatch: e.ifMatch, ifNoneMatch: e.ifNoneMatch, ifModifiedSince: e.ifModifiedSince, ifNoneExist: inTx ? undefined : e.ifNoneExist, prefer },
    e.resource,
    'application/fhir+json',
  );
  if (e.method === 'POST' && e.resource && req.id === undefined && req.operation === undefined) {
    if (inTx && e.matchedId) {
      // A conditional create whose criteria matched: answer with the existing resource.
      const existing = await dispatch(ctx, routeRequest('GET', `${e.path}/${e.matchedId}`, {}, {}));
      return entryFor(ctx, { ...existing, status: 200 }, prefer, e);
    }
    req.assignedId = e.assignedId;
  }
  if (e.method === 'PATCH' && e.resource?.resourceType !== 'Parameters') req.contentType = 'application/json-patch+json';
  try {
    return entryFor(ctx, await dispatch(ctx, req), prefer, e);
  } catch (err) {
    return rethrow(err, e.index, inTx);
  }
}

/** An entry of a response Bundle; a resource's stored JSON stays text (`json`), spliced in by responseBundle. */
interface ResponseEntry {
  entry: BundleEntry;
  json?: string;
}

function entryFor(ctx: FhirContext, out: FhirResponse, prefer: string | undefined, e: Entry): ResponseEntry {
  const response: BundleEntryResponse = { status: statusLine(out.status) };
  if (out.location) response.location = out.location;
  if (out.versionId !== undefined) response.etag = `W/"${out.versionId}"`;
  if (out.lastUpdated) response.lastModified = out.lastUpdated;
  const entry: BundleEntry = { response };
  if (out.resourceType && out.id) entry.fullUrl = `${ctx.config.baseUrl}/${out.resourceType}/${out.id}`;
  const isWrite = e.method !== 'GET';
  const want = isWrite ? parsePrefer(prefer).return ?? 'representation' : 'representation';
  if (out.body?.resourceType === 'OperationOutcome') response.outcome = out.body as OperationOutcome;
  else if (want === 'representation' && out.json !== undefined) return { entry, json: out.json };
  else if (want === 'representation' && out.body) entry.resource = out.body as Resource;
  else if (want === 'OperationOutcome') response.outcome = outcome('information', 'informational', `${statusLine(out.status)}`);
  return { entry };
}

/** The response Bundle as JSON text, stored resources spliced in as they are (no parse, no re-serialisation). */
function responseBundle(type: 'transaction-response' | 'batch-response', entries: ResponseEntry[]): string {
  const parts = entries.map(({ entry, json }) => {
    if (json === undefined) return JSON.stringify(entry);
    // entryFor gave such an entry a fullUrl and a response only.
    const fullUrl = entry.fullUrl === undefined ? '' : `"fullUrl":${JSON.stringify(entry.fullUrl)},`;
    return `{${fullUrl}"resource":${json},"response":${JSON.stringify(entry.response)}}`;
  });
  return `{"resourceType":"Bundle","type":"${type}","entry":[${parts.join(',')}]}`;
}

function parseEntry(ctx: FhirContext, e: BundleEntry, index: number): Entry {
  const where = [`Bundle.entry[${index}].request`];
  if (!e || typeof e !== 'object' || Array.isArray(e)) badRequest(`Bundle.entry[${index}] must be an object`, [`Bundle.entry[${index}]`]);
  const request = e.request;
  if (!request?.method || !request.url) badRequest(`Bundle.entry[${index}] needs request.method and request.url`, where);
  // These are used as strings below: anything else is a malformed Bundle (400, not a crash).
  const strings: [string, unknown][] = [
    ['fullUrl', e.fullUrl],
    ...(['method', 'url', 'ifMatch', 'ifNoneMatch', 'ifNoneExist', 'ifModifiedSince'] as const).map((k): [string, unknown] => [`request.${k}`, request![k]]),
  ];
  for (const [name, value] of strings)
    if (value !== undefined && typeof value !== 'string') badRequest(`Bundle.entry[${index}].${name} must be a string`, [`Bundle.entry[${index}].${name}`]);
  const method = request!.method!.toUpperCase() as HttpMethod;
  if (!(method in ORDER)) badRequest(`Bundle.entry[${index}].request.method ${request!.method} is not supported`, where);
  let url = request!.url!;
  if (url.startsWith(ctx.config.baseUrl + '/')) url = url.slice(ctx.config.baseUrl.length + 1);
  if (/^[a-z]+:/i.test(url)) badRequest(`Bundle.entry[${index}].request.url must be relative to this server: ${url}`, where);
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^\/+/, '');
  const query = q < 0 ? {} : parseQuery(url.slice(q + 1));
  if ((method === 'POST' || method === 'PUT') && !e.resource && !path.includes('$'))
    badRequest(`Bundle.entry[${index}] (${method}) needs a resource`, [`Bundle.entry[${index}].resource`]);
  return {
    index,
    method: method === ('HEAD' as HttpMethod) ? 'GET' : method,
    path,
    query,
    fullUrl: e.fullUrl,
    // Not copied: a transaction writes rewritten copies, and a batch entry is a request body like any other.
    resource: e.resource,
    ifMatch: request!.ifMatch,
    ifNoneMatch: request!.ifNoneMatch,
    ifNoneExist: request!.ifNoneExist,
    ifModifiedSince: request!.ifModifiedSince,
  };
}

/** Re-throw an entry's failure with the entry named, so the client knows which one failed. */
function rethrow(err: unknown, index: number, prefix = true): never {
  if (err instanceof FhirError && prefix) {
    const issues = err.outcome.issue ?? [];
    throw new FhirError(err.status, {
      resourceType: 'OperationOutcome',
      issue: issues.map((i) => ({ ...i, diagnostics: `Bundle.entry[${index}]: ${i.diagnostics ?? i.details?.text ?? ''}` })),
    });
  }
  throw err;
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`.trim();
}

