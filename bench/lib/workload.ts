import type autocannon from 'autocannon';
import type { LoadedPatient } from './load.js';

/** Where a workload runs: a Forløb server (this build or the baseline) or a floor. */
export interface Target {
  /** "server", "baseline", "node:http", "express", "express-default", "express-send". */
  label: string;
  kind: 'server' | 'floor';
  /** `http://127.0.0.1:port` */
  root: string;
  /** Its process, for CPU accounting. */
  pid: number;
  /** Sent with every request (the bearer token of the server with security on). */
  headers?: Record<string, string>;
}

/** Where a sampler sends its requests: a target's root and headers. */
export type Endpoint = Pick<Target, 'root' | 'headers'>;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Under the root: `/fhir/...`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Response headers as autocannon hands them over (names as sent, repeated ones as arrays). */
export type ResponseHeaders = Record<string, string | string[]>;

/** What the server's CapabilityStatement offers, for workloads that depend on it. */
export interface Capabilities {
  /** Operation names without `$`, system and resource level. */
  operations: Set<string>;
}

/** A workload bound to one target: it makes each next request and learns from each answer. */
export interface BoundWorkload {
  /** The next request; `token` comes back with its answer (e.g. which resource it updated). */
  next(): { req: HttpRequest; token?: unknown };
  /** Every answer, inside the load generator (keep it cheap). */
  settle?(token: unknown, status: number, headers: ResponseHeaders): void;
  /** Before each warm-up and each measured run (e.g. re-read ETags after an interrupted run). */
  beforeRun?(): Promise<void>;
  /** Problems with one sampled answer body (its status is checked by the sampler). */
  check?(body: string): string[];
  /** A sampler of its own (the search workloads count matches); default: sampleBound. */
  sample?(endpoint: Endpoint): Promise<SampleResult>;
}

/** A few answers fetched before measuring, to flag a workload that is fast because it is wrong. */
export interface SampleResult {
  statuses: number[];
  problems: string[];
  /** e.g. "matches 1/1/1/1/1". */
  detail?: string;
}

export interface WorkloadDef {
  name: string;
  description: string;
  group: 'read' | 'search' | 'write' | 'operation';
  /** The status every answer should have. */
  expectStatus: number;
  /** Instead of the run's --connections (the 500-entry transaction uses fewer). */
  connections?: number;
  /** Resources written per request: the headline becomes resources/s. */
  resourcesPerRequest?: number;
  /** Measure a fixed number per run rather than a fixed time, abandoning none (see LoadSettings). */
  fixedAmount?: boolean;
  /** Also measured on the floors (the read). */
  onFloors?: boolean;
  /** Why it cannot run on this server (an operation not built yet); undefined when it can. */
  unavailable?(caps: Capabilities): string | undefined;
  /** `patients` are those of the server under test (a floor answers any id). */
  bind(target: Target, patients: LoadedPatient[]): Promise<BoundWorkload>;
}

const FHIR_JSON = 'application/fhir+json';

/** Headers for a request: FHIR JSON both ways. */
export function fhirHeaders(req: Pick<HttpRequest, 'body' | 'headers'>): Record<string, string> {
  return req.body === undefined ? { accept: FHIR_JSON, ...req.headers } : { accept: FHIR_JSON, 'content-type': FHIR_JSON, ...req.headers };
}

/**
 * An autocannon request driven by a bound workload. autocannon resets a connection's `context`
 * before each request when `requests` holds one entry (requestIterator.js), so the context only
 * carries a request's token to its own answer; state that outlives a request lives in the workload.
 */
export function cannonRequest(w: BoundWorkload, headers: Record<string, string> = {}): autocannon.Request {
  return {
    method: 'GET',
    path: '/',
    setupRequest: (req, context) => {
      const { req: r, token } = w.next();
      context.token = token;
      return { ...req, method: r.method, path: r.path, headers: { ...fhirHeaders(r), ...headers }, ...(r.body !== undefined ? { body: r.body } : {}) };
    },
    ...(w.settle ? { onResponse: (status: number, _body: string, context: Record<string, unknown>, headers?: ResponseHeaders) => w.settle!(context.token, status, headers ?? {}) } : {}),
  };
}

/** A header from autocannon's or fetch's headers, by case-insensitive name. */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return Array.isArray(v) ? v[0] : v;
  return undefined;
}

/** GET requests rotating through a list of paths. */
export function rotatingPaths(paths: string[]): BoundWorkload {
  if (paths.length === 0) throw new Error('no paths to rotate through');
  let i = 0;
  return {
    next: () => {
      const path = paths[i];
      i = (i + 1) % paths.length;
      return { req: { method: 'GET', path } };
    },
  };
}
