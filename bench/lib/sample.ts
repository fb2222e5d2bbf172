import type { PathWorkload } from './workloads.js';
import { fhirHeaders, type BoundWorkload, type Endpoint, type ResponseHeaders, type SampleResult } from './workload.js';

const ACCEPT = { accept: 'application/fhir+json' };

/** What a few of a workload's paths return, to catch a search that is fast because it is wrong. */
export interface SampleCheck {
  paths: number;
  statuses: number[];
  /** `search.mode = match` entries per sampled response. */
  matches: number[];
  /** `search.mode = include` entries per sampled response. */
  included: number[];
  totals: (number | null)[];
  /** Diagnostics of OperationOutcome entries (ignored parameters) or error bodies. */
  outcomes: string[];
  problems: string[];
}

export async function sampleWorkload({ root, headers }: Endpoint, w: PathWorkload, n = 5): Promise<SampleCheck> {
  const check: SampleCheck = { paths: w.paths.length, statuses: [], matches: [], included: [], totals: [], outcomes: [], problems: [] };
  const step = Math.max(1, Math.floor(w.paths.length / n));
  for (let i = 0; i < n && i * step < w.paths.length; i++) {
    const res = await fetch(root + w.paths[i * step], { headers: { ...ACCEPT, ...headers } });
    const text = await res.text();
    check.statuses.push(res.status);
    let body: {
      resourceType?: string;
      total?: number;
      entry?: { search?: { mode?: string }; resource?: { resourceType?: string; issue?: { diagnostics?: string }[] } }[];
      issue?: { diagnostics?: string }[];
    } = {};
    try {
      body = JSON.parse(text);
    } catch {
      check.problems.push(`HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
      continue;
    }
    if (body.resourceType === 'OperationOutcome') {
      for (const issue of body.issue ?? []) if (issue.diagnostics) check.outcomes.push(`HTTP ${res.status}: ${issue.diagnostics}`);
    }
    const entries = body.entry ?? [];
    check.matches.push(entries.filter((e) => e.search?.mode === 'match').length);
    check.included.push(entries.filter((e) => e.search?.mode === 'include').length);
    check.totals.push(body.total ?? null);
    for (const e of entries) {
      if (e.search?.mode === 'outcome') for (const issue of e.resource?.issue ?? []) if (issue.diagnostics) check.outcomes.push(issue.diagnostics);
    }
  }
  check.outcomes = [...new Set(check.outcomes)];
  const ex = w.expect ?? {};
  if (check.statuses.some((s) => s !== 200)) check.problems.push(`non-200 status: ${check.statuses.join(', ')}`);
  if (ex.matchesAtLeast !== undefined && check.matches.some((m) => m < ex.matchesAtLeast!)) {
    check.problems.push(`expected at least ${ex.matchesAtLeast} match(es), got ${check.matches.join(', ')}`);
  }
  if (ex.matchesAtMost !== undefined && check.matches.some((m) => m > ex.matchesAtMost!)) {
    check.problems.push(`expected at most ${ex.matchesAtMost} match(es), got ${check.matches.join(', ')}`);
  }
  if (ex.includedAtLeast !== undefined && check.included.some((m) => m < ex.includedAtLeast!)) {
    check.problems.push(`expected at least ${ex.includedAtLeast} included resource(s), got ${check.included.join(', ')}`);
  }
  if (check.outcomes.length) check.problems.push(`server reported: ${check.outcomes.join(' | ')}`);
  return check;
}

/** "1/1/1/1/1" matches per sampled answer, "+2/1/…" included resources when there are any. */
export function describeMatches(c: SampleCheck): string {
  return `${c.matches.join('/')}${c.included.some((x) => x > 0) ? ` +${c.included.join('/')}` : ''}`;
}

/** Fetch `n` of a bound workload's requests (through its own factory) and check the answers. */
export async function sampleBound({ root, headers: extra }: Endpoint, w: BoundWorkload, expectStatus: number, n = 5): Promise<SampleResult> {
  const out: SampleResult = { statuses: [], problems: [] };
  for (let i = 0; i < n; i++) {
    const { req, token } = w.next();
    const res = await fetch(root + req.path, { method: req.method, headers: { ...fhirHeaders(req), ...extra }, body: req.body });
    const text = await res.text();
    const headers: ResponseHeaders = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    w.settle?.(token, res.status, headers);
    out.statuses.push(res.status);
    if (res.status !== expectStatus) out.problems.push(`${req.method} ${req.path.slice(0, 80)}: HTTP ${res.status}, expected ${expectStatus}: ${text.slice(0, 200)}`);
    else out.problems.push(...(w.check?.(text) ?? []));
  }
  out.problems = [...new Set(out.problems)];
  return out;
}
