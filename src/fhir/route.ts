import { badRequest, fail } from './errors.js';
import type { FhirRequest, FhirRequestHeaders, HttpMethod, QueryParams } from './request.js';

/**
 * Turn a method and a path below the FHIR base ("Patient/123/_history/2") into a FhirRequest.
 * Shared by the HTTP layer and by Bundle entries, so both understand exactly the same URLs.
 */
export function routeRequest(
  method: HttpMethod,
  path: string,
  query: QueryParams,
  headers: FhirRequestHeaders,
  body?: unknown,
  contentType?: string,
): FhirRequest {
  const segments = segmentsOf(path);
  // U+0000 is in no id, parameter or value this server keeps (PostgreSQL text cannot even hold it).
  for (const k in query) if (k.includes('\u0000') || query[k].some((v) => v.includes('\u0000'))) badRequest(`Query parameter "${k.replace(/\u0000/g, '\\0')}" contains U+0000`);
  const [a, b, c, d] = segments;
  // Every request built with the same fields in the same order: the code reading them stays monomorphic.
  const req = (target: Partial<FhirRequest>): FhirRequest => ({
    method,
    resourceType: target.resourceType,
    id: target.id,
    versionId: target.versionId,
    operation: target.operation,
    compartment: target.compartment,
    history: target.history,
    search: target.search,
    query,
    body,
    assignedId: undefined,
    contentType,
    headers,
  });
  switch (segments.length) {
    case 0:
      return req({});
    case 1:
      if (a === 'metadata') return req({ operation: 'metadata' });
      if (a === '_history') return req({ history: true });
      if (a === '_search') return req({ search: true });
      if (isOperation(a)) return req({ operation: a.slice(1) });
      return req({ resourceType: a });
    case 2:
      if (b === '_search') return req({ resourceType: a, search: true });
      if (b === '_history') return req({ resourceType: a, history: true });
      if (isOperation(b)) return req({ resourceType: a, operation: b.slice(1) });
      return req({ resourceType: a, id: b });
    case 3:
      if (c === '_history') return req({ resourceType: a, id: b, history: true });
      if (isOperation(c)) return req({ resourceType: a, id: b, operation: c.slice(1) });
      return req({ resourceType: c, compartment: { type: a, id: b } });
    case 4:
      if (c === '_history') return req({ resourceType: a, id: b, versionId: d });
      if (d === '_search') return req({ resourceType: c, compartment: { type: a, id: b }, search: true });
  }
  return fail(404, 'not-found', `Unknown FHIR endpoint: /${segments.join('/')}`);
}

/** `$name` (an operation; a lone `$` is not one). */
const isOperation = (s: string): boolean => s.length > 1 && s[0] === '$';

/** The path's non-empty segments, percent-decoded. */
function segmentsOf(path: string): string[] {
  const out: string[] = [];
  for (const s of path.split('/')) if (s.length > 0) out.push(decodeSegment(s));
  return out;
}

function decodeSegment(segment: string): string {
  let decoded = segment;
  if (segment.includes('%')) {
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return badRequest(`Malformed URL segment "${segment}"`);
    }
  }
  if (decoded.includes('\u0000')) badRequest(`URL segment "${segment}" contains U+0000`);
  return decoded;
}

/** Parse a query string into QueryParams (repeated names keep every value, in order). */
export function parseQuery(search: string): QueryParams {
  const query: QueryParams = {};
  for (const [k, v] of new URLSearchParams(search)) (query[k] ??= []).push(v);
  return query;
}
