import autocannon from 'autocannon';
import { cpuSnapshot, cpuWindow, loadAvg, type CpuWindow } from './machine.js';
import type { PathWorkload } from './workloads.js';
import { cannonRequest, rotatingPaths, type Target } from './workload.js';

export interface LoadSettings {
  connections: number;
  /** Seconds of warm-up (not measured) before each measured run; 0 for none. */
  warmup: number;
  /** Seconds measured per target, split over the rounds. */
  duration: number;
  /** Rounds of A B A B alternation (default 1). */
  rounds?: number;
  /**
   * Measure a fixed number of requests per run (the rate seen so far × the window) instead of a fixed
   * time, so no request is abandoned in flight: for requests that take a good part of a second those
   * (never counted) would understate the rate, and an abandoned update may still be applied after the
   * run, leaving a version the next run does not know.
   */
  fixedAmount?: boolean;
}

export interface WorkloadFigures {
  name: string;
  /** Which target: "server", "baseline", a floor. */
  target?: string;
  /** Rounded to whole requests, to 0.1 below 100/s. */
  requestsPerSecond: number;
  requests: number;
  /** Measured time, summed over the rounds. */
  seconds: number;
  /** Milliseconds, over every answer of every round. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Status code → count. */
  statusCodes?: Record<string, number>;
  /**
   * Server CPU time per request, ms (its user + system time over the window / requests): unlike
   * latency, hardly affected by other processes competing for the cores.
   */
  serverCpuMsPerRequest: number;
  /** Mean response size, bytes. */
  bytesPerResponse: number;
  /** CPU used during the measured windows (cores' worth): server, this process, everything else. */
  cpu: CpuWindow;
  loadAvgBefore: number[];
}

/** One measured autocannon run on one target. */
interface Piece {
  seconds: number;
  requests: number;
  bytes: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  cpu: CpuWindow;
  loadAvgBefore: number[];
}

/** A target and how to make its autocannon request (a fresh object per run: autocannon mutates it). */
export interface Leg {
  target: Target;
  request(): autocannon.Request;
  beforeRun?(): Promise<void>;
}

/** A fixed amount ends when its last answer arrives; sample every 100 ms so that is noticed soon after. */
function cannonOptions(leg: Leg, connections: number, length: { duration: number } | { amount: number }): autocannon.Options {
  return { url: leg.target.root, connections, requests: [leg.request()], timeout: 30, ...length, ...('amount' in length ? { sampleInt: 100 } : {}) };
}

async function runOnce(leg: Leg, connections: number, length: { duration: number } | { amount: number }, latencies: number[]): Promise<Piece> {
  const loadAvgBefore = loadAvg();
  const cpu0 = cpuSnapshot(leg.target.pid);
  let bytes = 0;
  const t0 = performance.now();
  let last = t0;
  const run = autocannon(cannonOptions(leg, connections, length));
  // Our own record of every answer, so rounds combine into exact percentiles (autocannon's own
  // histogram is per run and leaves out non-2xx answers).
  run.on('response', (_client: unknown, _status: number, resBytes: number, ms: number) => {
    latencies.push(ms);
    bytes += resBytes;
    last = performance.now();
  });
  const r = await run;
  const cpu = cpuWindow(cpu0, leg.target.pid);
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = v.count;
  return {
    // autocannon notices the last answer of a fixed amount only at its next sample tick: time it ourselves.
    seconds: 'amount' in length ? (last - t0) / 1000 : r.duration,
    requests: r.requests.total ?? 0,
    bytes,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes,
    cpu,
    loadAvgBefore,
  };
}

function combine(name: string, target: string, pieces: Piece[], latencies: number[]): WorkloadFigures {
  const sum = (f: (p: Piece) => number): number => pieces.reduce((a, p) => a + f(p), 0);
  const seconds = sum((p) => p.seconds);
  const requests = sum((p) => p.requests);
  const sorted = Float64Array.from(latencies).sort();
  const pct = (q: number): number => (sorted.length ? r2(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]) : 0);
  const statusCodes: Record<string, number> = {};
  for (const p of pieces) for (const [c, n] of Object.entries(p.statusCodes)) statusCodes[c] = (statusCodes[c] ?? 0) + n;
  const cores = (f: (c: CpuWindow) => number): number => (seconds ? r2(sum((p) => f(p.cpu) * p.cpu.seconds) / sum((p) => p.cpu.seconds)) : 0);
  const serverCpuSeconds = sum((p) => p.cpu.server * p.cpu.seconds);
  return {
    name,
    target,
    requestsPerSecond: !seconds ? 0 : requests / seconds < 100 ? Math.round((requests / seconds) * 10) / 10 : Math.round(requests / seconds),
    requests,
    seconds: r2(seconds),
    p50: pct(0.5),
    p90: pct(0.9),
    p99: pct(0.99),
    max: sorted.length ? r2(sorted[sorted.length - 1]) : 0,
    mean: sorted.length ? r2(sorted.reduce((a, b) => a + b, 0) / sorted.length) : 0,
    errors: sum((p) => p.errors),
    timeouts: sum((p) => p.timeouts),
    non2xx: sum((p) => p.non2xx),
    statusCodes,
    serverCpuMsPerRequest: requests ? r2((serverCpuSeconds * 1000) / requests) : 0,
    bytesPerResponse: latencies.length ? Math.round(sum((p) => p.bytes) / latencies.length) : 0,
    cpu: { seconds: r2(sum((p) => p.cpu.seconds)), server: cores((c) => c.server), bench: cores((c) => c.bench), others: cores((c) => c.others) },
    loadAvgBefore: pieces[0]?.loadAvgBefore ?? loadAvg(),
  };
}

/**
 * Measure a workload on several targets in alternation, A B A B: each round gives each target a
 * warm-up and duration/rounds measured seconds, so a machine whose load drifts affects all alike.
 * Figures are combined over the rounds, one per leg, in the legs' order.
 */
export async function alternate(name: string, legs: Leg[], s: LoadSettings): Promise<WorkloadFigures[]> {
  const rounds = Math.max(1, Math.floor(s.rounds ?? 1));
  const seconds = s.duration / rounds;
  const pieces: Piece[][] = legs.map(() => []);
  const latencies: number[][] = legs.map(() => []);
  /** Requests/s of each leg so far, for fixedAmount. */
  const rate: number[] = legs.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [i, leg] of legs.entries()) {
      if (s.warmup > 0) {
        await leg.beforeRun?.();
        // By amount too for slow requests, so no abandoned request still runs on the server when measuring starts.
        const length = s.fixedAmount ? { amount: Math.max(s.connections, Math.round(rate[i] * s.warmup)) } : { duration: s.warmup };
        const w = await autocannon(cannonOptions(leg, s.connections, length));
        if (!rate[i] && w.requests.total) rate[i] = w.requests.total / w.duration;
      }
      await leg.beforeRun?.();
      const length = s.fixedAmount ? { amount: Math.max(2 * s.connections, Math.round(rate[i] * seconds)) } : { duration: seconds };
      const piece = await runOnce(leg, s.connections, length, latencies[i]);
      if (piece.requests) rate[i] = piece.requests / piece.seconds;
      pieces[i].push(piece);
    }
  }
  return legs.map((leg, i) => combine(name, leg.target.label, pieces[i], latencies[i]));
}

/** One GET workload on one target, rotating through its paths. */
export async function runPathWorkload(target: Target, w: PathWorkload, s: LoadSettings): Promise<WorkloadFigures> {
  const bound = rotatingPaths(w.paths);
  const [figures] = await alternate(w.name, [{ target, request: () => cannonRequest(bound) }], s);
  return figures;
}

function r2(x: number): number {
  return Math.round(x * 100) / 100;
}
