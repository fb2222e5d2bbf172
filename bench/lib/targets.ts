import type { WorkloadFigures } from './cannon.js';
import type { GoalResult, MainResult, WorkloadResult } from './results.js';
import { SECURITY_ON } from './security-twin.js';

/**
 * The targets of issue 4 on the 2-core machine, load generator included. Judged on the server under
 * test ("server"); a baseline and the floors are there to compare with, not judged.
 */
export const RATE_GOALS: { workload: string; min: number; unit: 'req/s' | 'resources/s' }[] = [
  { workload: 'create', min: 1500, unit: 'req/s' },
  { workload: 'token', min: 3000, unit: 'req/s' },
  { workload: 'reference+token', min: 3000, unit: 'req/s' },
  { workload: 'string-prefix', min: 2000, unit: 'req/s' },
  { workload: 'transaction-2', min: 800, unit: 'req/s' },
  { workload: 'transaction-500', min: 5000, unit: 'resources/s' },
  { workload: '$event', min: 1000, unit: 'req/s' },
];
export const READ_VS_EXPRESS = 0.7;
export const READ_P99_MS = 15;
export const PEAK_RSS_MIB = 400;
export const STARTUP_MS = 3000;
/** Issue 8: security (tokens, access rules, the audit trail) slows reads and searches by at most a few percent. */
export const SECURITY_MIN_SHARE = 0.95;
/** Scaling mode: mean latency at 10× the data at most this many times that at 1×. */
export const GROWTH_MAX = 2;

type Run = Omit<MainResult, 'goals'>;

export function figuresOf(w: WorkloadResult | undefined, target: string): WorkloadFigures | undefined {
  return w?.figures.find((f) => f.target === target);
}

/** Answers that were not the expected status, plus transport errors and timeouts. */
export function wrongAnswers(w: WorkloadResult, f: WorkloadFigures): number {
  const expected = f.statusCodes?.[String(w.expectStatus)] ?? 0;
  return f.errors + (f.requests - expected);
}

/** The headline rate: requests/s, or resources/s for a workload that writes several per request. */
export function headlineRate(w: WorkloadResult, f: WorkloadFigures): number {
  return w.resourcesPerRequest && f.seconds ? (f.requests * w.resourcesPerRequest) / f.seconds : f.requestsPerSecond;
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

/** The goal of one workload, for its table row: text and verdict (undefined: it has none). */
export function rowGoal(w: WorkloadResult): { text: string; pass: boolean | null } | undefined {
  const server = figuresOf(w, 'server');
  if (w.name === 'read') {
    const express = figuresOf(w, 'express');
    const text = `≥ ${READ_VS_EXPRESS * 100} % of express, p99 ≤ ${READ_P99_MS} ms`;
    if (!server || !express) return { text, pass: null };
    return { text, pass: server.requestsPerSecond >= READ_VS_EXPRESS * express.requestsPerSecond && server.p99 <= READ_P99_MS };
  }
  const g = RATE_GOALS.find((x) => x.workload === w.name);
  if (!g) return undefined;
  const text = `≥ ${fmt(g.min)} ${g.unit}`;
  if (!server) return { text, pass: null };
  return { text, pass: headlineRate(w, server) >= g.min };
}

/** Every goal of the issue, judged on this run. */
export function evaluateGoals(run: Run): GoalResult[] {
  const out: GoalResult[] = [];
  const byName = new Map(run.workloads.map((w) => [w.name, w]));
  const read = byName.get('read');
  const server = figuresOf(read, 'server');
  const express = figuresOf(read, 'express');
  out.push(
    server && express
      ? {
          goal: `read ≥ ${READ_VS_EXPRESS * 100} % of the Express floor`,
          workload: 'read',
          value: `${Math.round((server.requestsPerSecond / express.requestsPerSecond) * 100)} % (${fmt(server.requestsPerSecond)} vs ${fmt(express.requestsPerSecond)} req/s)`,
          pass: server.requestsPerSecond >= READ_VS_EXPRESS * express.requestsPerSecond,
        }
      : { goal: `read ≥ ${READ_VS_EXPRESS * 100} % of the Express floor`, workload: 'read', value: 'not run', pass: null },
  );
  out.push(
    server
      ? { goal: `read p99 ≤ ${READ_P99_MS} ms`, workload: 'read', value: `${server.p99} ms`, pass: server.p99 <= READ_P99_MS }
      : { goal: `read p99 ≤ ${READ_P99_MS} ms`, workload: 'read', value: 'not run', pass: null },
  );
  for (const g of RATE_GOALS) {
    const w = byName.get(g.workload);
    const f = figuresOf(w, 'server');
    const goal = `${g.workload} ≥ ${fmt(g.min)} ${g.unit}`;
    if (!w || !f) {
      out.push({ goal, workload: g.workload, value: w?.unavailable?.server ?? 'not run', pass: null });
      continue;
    }
    const rate = headlineRate(w, f);
    out.push({ goal, workload: g.workload, value: `${fmt(rate)} ${g.unit}`, pass: rate >= g.min });
  }
  const wrong: string[] = [];
  for (const w of run.workloads) {
    for (const target of ['server', SECURITY_ON]) {
      const f = figuresOf(w, target);
      const n = f ? wrongAnswers(w, f) : 0;
      const problems = w.samples[target]?.problems.length ?? 0;
      const on = target === 'server' ? '' : ` on ${target}`;
      if (n || problems) wrong.push(`${w.name}${on}: ${n ? `${n} wrong answers` : ''}${n && problems ? ', ' : ''}${problems ? 'sample check failed' : ''}`);
    }
  }
  out.push({ goal: 'zero errors', value: wrong.length ? wrong.join('; ') : '0', pass: wrong.length === 0 });
  out.push(securityGoal(run));
  const main = run.servers.find((s) => s.label === 'server');
  const peak = main?.memory.peakRssRunMiB;
  out.push({
    goal: `peak resident memory ≤ ${PEAK_RSS_MIB} MiB under load`,
    value: peak === undefined ? 'unknown' : `${peak} MiB with ${fmt(main!.resources)} resources`,
    pass: peak === undefined ? null : peak <= PEAK_RSS_MIB,
  });
  const startup = main?.startupMs.withData;
  out.push({
    goal: `start-up ≤ ${STARTUP_MS / 1000} s (with data)`,
    value: startup === undefined ? 'unknown' : `${startup} ms`,
    pass: startup === undefined ? null : startup <= STARTUP_MS,
  });
  return out;
}

/** The worst ratio of security on to off over the reads and searches measured on both. */
function securityGoal(run: Run): GoalResult {
  const goal = `security on: reads and searches ≥ ${SECURITY_MIN_SHARE * 100} % of the rate without (issue 8)`;
  const ratios = run.workloads.flatMap((w) => {
    const off = figuresOf(w, 'server');
    const on = figuresOf(w, SECURITY_ON);
    return off && on && off.requestsPerSecond > 0 ? [{ name: w.name, share: on.requestsPerSecond / off.requestsPerSecond }] : [];
  });
  if (ratios.length === 0) return { goal, value: 'not run', pass: null };
  const worst = ratios.reduce((a, b) => (b.share < a.share ? b : a));
  const median = [...ratios].sort((a, b) => a.share - b.share)[Math.floor(ratios.length / 2)].share;
  return { goal, value: `worst ${Math.round(worst.share * 100)} % (${worst.name}), median ${Math.round(median * 100)} % over ${ratios.length} workloads`, pass: worst.share >= SECURITY_MIN_SHARE };
}

export function verdict(pass: boolean | null): string {
  return pass === null ? 'n/a' : pass ? 'PASS' : 'FAIL';
}
