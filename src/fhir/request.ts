import type { Resource } from '@medplum/fhirtypes';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Raw query parameters: name (with modifier) → one value per repetition, in order. */
export type QueryParams = Record<string, string[]>;

/**
 * A FHIR interaction, independent of transport: the HTTP layer builds one from a request, the
 * transaction processor builds one from each Bundle entry.
 */
export interface FhirRequest {
  method: HttpMethod;
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** Operation name without `$`. */
  operation?: string;
  /** For compartment search: `Patient/{id}/{resourceType}` sets compartment and resourceType. */
  compartment?: { type: string; id: string };
  /** `_history` was in the path. */
  history?: boolean;
  /** `_search` was in the path (POST search). */
  search?: boolean;
  query: QueryParams;
  body?: unknown;
  /** The id a create must use (a transaction decides ids up front to rewrite references). */
  assignedId?: string;
  contentType?: string;
  headers: FhirRequestHeaders;
}

export interface FhirRequestHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifNoneExist?: string;
  prefer?: string;
  /** Idempotency-Key (IETF httpapi draft): a retried request with the same key gets the first answer. */
  idempotencyKey?: string;
}

/** The outcome of an interaction, before it is put on the wire. */
export interface FhirResponse {
  status: number;
  /** The resource, Bundle or OperationOutcome to return. */
  body?: Resource;
  /** The same body already serialised (a stored resource served as it is stored). */
  json?: string;
  /** For writes and reads: the version's id and time, for ETag / Last-Modified. */
  versionId?: number;
  lastUpdated?: string;
  /** Absolute Location for created/updated resources ({base}/{type}/{id}/_history/{vid}). */
  location?: string;
  /** Outcome of a write, returned when the client prefers `return=OperationOutcome`. */
  outcome?: Resource;
  /** The written resource's type and id (used by transactions for reference rewriting). */
  resourceType?: string;
  id?: string;
  headers?: Record<string, string>;
  /** Content type of `json` when it is not a FHIR resource (default application/fhir+json). */
  contentType?: string;
}

/** Parse `Prefer: return=...` and `handling=...`. */
export function parsePrefer(prefer: string | undefined): {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
} {
  const out: ReturnType<typeof parsePrefer> = {};
  if (!prefer) return out;
  for (const part of prefer.split(/[;,]/)) {
    const [k, v] = part.trim().split('=').map((s) => s?.trim().replace(/^"|"$/g, ''));
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'OperationOutcome')) out.return = v;
    if (k === 'handling' && (v === 'strict' || v === 'lenient')) out.handling = v;
  }
  return out;
}
