import autocannon from 'autocannon';
import { cpuSnapshot, cpuWindow, loadAvg, type CpuWindow } from './machine.js';
import type { PathWorkload } from './workloads.js';

export interface LoadSettings {
  connections: number;
  /** Seconds of warm-up (not measured); 0 for none. */
  warmup: number;
  /** Seconds measured. */
  duration: number;
}

export interface WorkloadFigures {
  name: string;
  requestsPerSecond: number;
  requests: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Status code → count, when anything but 200 was seen. */
  statusCodes?: Record<string, number>;
  /**
   * Server CPU time per request, ms (its user + system time over the window / requests): unlike
   * latency, hardly affected by other processes competing for the cores.
   */
  serverCpuMsPerRequest: number;
  /** Mean response size, bytes. */
  bytesPerResponse: number;
  /** CPU used during the measured window (cores' worth): server, this process, everything else. */
  cpu: CpuWindow;
  loadAvgBefore: number[];
}

const ACCEPT = { accept: 'application/fhir+json' };

/** Run one GET workload: warm-up, then a measured window, rotating through its paths. */
export async function runPathWorkload(root: string, serverPid: number, w: PathWorkload, s: LoadSettings): Promise<WorkloadFigures> {
  if (w.paths.length === 0) throw new Error(`workload ${w.name} has no paths`);
  let next = 0;
  const request: autocannon.Request = {
    method: 'GET',
    path: w.paths[0],
    headers: ACCEPT,
    setupRequest: (req) => {
      const path = w.paths[next];
      next = (next + 1) % w.paths.length;
      return { ...req, path };
    },
  };
  const base = { url: root, connections: s.connections, requests: [request], timeout: 30 };
  if (s.warmup > 0) await autocannon({ ...base, duration: s.warmup });
  const loadAvgBefore = loadAvg();
  const cpu0 = cpuSnapshot(serverPid);
  const r = await autocannon({ ...base, duration: s.duration, title: w.name });
  const cpu = cpuWindow(cpu0, serverPid);
  const total = r.requests.total ?? 0;
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) if (code !== '200') statusCodes[code] = v.count;
  return {
    name: w.name,
    requestsPerSecond: Math.round(total / r.duration),
    requests: total,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    mean: r.latency.mean,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    ...(Object.keys(statusCodes).length ? { statusCodes } : {}),
    serverCpuMsPerRequest: total ? Math.round(((cpu.server * cpu.seconds * 1000) / total) * 100) / 100 : 0,
    bytesPerResponse: total ? Math.round((r.throughput.total ?? 0) / total) : 0,
    cpu,
    loadAvgBefore,
  };
}

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

export async function sampleWorkload(root: string, w: PathWorkload, n = 5): Promise<SampleCheck> {
  const check: SampleCheck = { paths: w.paths.length, statuses: [], matches: [], included: [], totals: [], outcomes: [], problems: [] };
  const step = Math.max(1, Math.floor(w.paths.length / n));
  for (let i = 0; i < n && i * step < w.paths.length; i++) {
    const res = await fetch(root + w.paths[i * step], { headers: ACCEPT });
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
