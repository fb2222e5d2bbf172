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
  const segments = path.split('/').filter((s) => s.length > 0).map(decodeSegment);
  // U+0000 is in no id, parameter or value this server keeps (PostgreSQL text cannot even hold it).
  for (const [k, values] of Object.entries(query)) if (k.includes('\u0000') || values.some((v) => v.includes('\u0000'))) badRequest(`Query parameter "${k.replace(/\u0000/g, '\\0')}" contains U+0000`);
  const req: FhirRequest = { method, query, headers, body, contentType };
  const [a, b, c, d] = segments;
  const op = (s: string | undefined) => (s?.startsWith('$') ? s.slice(1) : undefined);
  switch (segments.length) {
    case 0:
      return req;
    case 1:
      if (a === 'metadata' || a === '_history' || a === '_search') return { ...req, operation: undefined, ...special(a) };
      if (op(a)) return { ...req, operation: op(a) };
      return { ...req, resourceType: a };
    case 2:
      if (b === '_search') return { ...req, resourceType: a, search: true };
      if (b === '_history') return { ...req, resourceType: a, history: true };
      if (op(b)) return { ...req, resourceType: a, operation: op(b) };
      return { ...req, resourceType: a, id: b };
    case 3:
      if (c === '_history') return { ...req, resourceType: a, id: b, history: true };
      if (op(c)) return { ...req, resourceType: a, id: b, operation: op(c) };
      return { ...req, resourceType: c, compartment: { type: a, id: b } };
    case 4:
      if (c === '_history') return { ...req, resourceType: a, id: b, versionId: d };
      if (d === '_search') return { ...req, resourceType: c, compartment: { type: a, id: b }, search: true };
  }
  return fail(404, 'not-found', `Unknown FHIR endpoint: /${segments.join('/')}`);
}

function special(segment: string): Partial<FhirRequest> {
  if (segment === 'metadata') return { operation: 'metadata' };
  if (segment === '_history') return { history: true };
  return { search: true };
}

function decodeSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return badRequest(`Malformed URL segment "${segment}"`);
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
