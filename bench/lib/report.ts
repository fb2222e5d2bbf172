import type { WorkloadFigures } from './cannon.js';
import type { MainResult, WorkloadResult } from './results.js';
import { mdTable, table } from './table.js';
import { SECURITY_ON } from './security-twin.js';
import { figuresOf, headlineRate, rowGoal, verdict, wrongAnswers } from './targets.js';

const HEADER = ['workload', 'target', 'req/s', 'p50 ms', 'p99 ms', 'wrong', 'other status', 'CPU ms/req', 'other CPU', 'goal', 'result', 'notes'];
const ALIGN = 'llrrrrrrrlll';

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
/** 1,234 req/s; 2.5 below 100. */
const rate = (x: number): string => (x < 100 ? String(x) : fmt(x));
const pct = (a: number, b: number): string => (b ? `${Math.round((a / b) * 100)} %` : '-');

/** Status codes other than the expected one: "412×3 500×1". */
function otherStatuses(w: WorkloadResult, f: WorkloadFigures): string {
  const codes = Object.entries(f.statusCodes ?? {}).filter(([c]) => c !== String(w.expectStatus));
  return codes.length ? codes.map(([c, n]) => `${c}×${n}`).join(' ') : '-';
}

/** Wrong answers: unexpected statuses plus transport errors and timeouts (autocannon counts timeouts as errors). */
function wrongCell(w: WorkloadResult, f: WorkloadFigures): string {
  const n = wrongAnswers(w, f);
  return f.errors ? `${n} (${f.errors - f.timeouts} err, ${f.timeouts} t/o)` : String(n);
}

function notes(w: WorkloadResult, f: WorkloadFigures, defaultConnections: number): string {
  const out: string[] = [];
  const server = figuresOf(w, 'server');
  if (f.target === 'server' && server) {
    for (const other of w.figures.filter((x) => x.target !== 'server' && x.target !== SECURITY_ON)) {
      out.push(other.target === 'baseline' ? `×${(server.requestsPerSecond / (other.requestsPerSecond || 1)).toFixed(2)} vs baseline` : `${pct(server.requestsPerSecond, other.requestsPerSecond)} of ${other.target}`);
    }
  }
  if (f.target === SECURITY_ON && server) out.push(`${pct(f.requestsPerSecond, server.requestsPerSecond)} of server (CPU ×${(f.serverCpuMsPerRequest / (server.serverCpuMsPerRequest || 1)).toFixed(2)})`);
  if (f.target === 'server' && w.connections !== defaultConnections) out.push(`${w.connections} connections`);
  if (f.target === 'server' && w.fixedAmount) out.push(`fixed amount: ${f.requests} requests`);
  if (w.samples[f.target ?? '']?.problems.length) out.push('SAMPLE CHECK FAILED');
  return out.join(', ');
}

function rows(r: MainResult): string[][] {
  const defaultConnections = Number(r.settings.connections);
  const out: string[][] = [];
  for (const w of r.workloads) {
    const goal = rowGoal(w);
    if (w.figures.length === 0) {
      out.push([w.name, '-', '-', '-', '-', '-', '-', '-', '-', goal?.text ?? '', verdict(null), Object.values(w.unavailable ?? {})[0] ?? 'not run']);
      continue;
    }
    w.figures.forEach((f, i) => {
      const judged = f.target === 'server' && goal;
      out.push([
        i === 0 ? w.name : '',
        f.target ?? '',
        w.resourcesPerRequest ? `${rate(f.requestsPerSecond)} (${fmt(headlineRate(w, f))} res/s)` : rate(f.requestsPerSecond),
        String(f.p50),
        String(f.p99),
        wrongCell(w, f),
        otherStatuses(w, f),
        f.serverCpuMsPerRequest.toFixed(2),
        f.cpu.others.toFixed(2),
        judged ? goal.text : '',
        judged ? verdict(goal.pass) : '',
        notes(w, f, defaultConnections),
      ]);
    });
    for (const [label, reason] of Object.entries(w.unavailable ?? {})) out.push(['', label, '-', '-', '-', '-', '-', '-', '-', '', '', reason]);
  }
  return out;
}

function serverLines(r: MainResult): string[] {
  return r.servers.map(
    (s) =>
      `${s.label} (${s.dir}): ${fmt(s.resources)} resources; ` +
      (s.load ? `load ${fmt(s.load.resourcesPerSecond)} resources/s (${s.load.seconds} s, ${s.load.bundles} Bundles, p50 ${s.load.bundleP50Ms} ms per Bundle); ` : '') +
      `start-up ${s.startupMs.emptyStore !== undefined ? `${s.startupMs.emptyStore} ms empty, ` : ''}${s.startupMs.withData} ms with data; ` +
      `peak RSS ${s.memory.peakRssLoadMiB ?? '?'} MiB loading, ${s.memory.peakRssRunMiB ?? '?'} MiB under the workloads; database ${s.databaseMiB} MiB`,
  );
}

function headline(r: MainResult): string[] {
  const s = r.settings;
  const m = r.machine;
  return [
    `${s.patients} patients; ${s.connections} connections; ${s.warmup} s warm-up + ${s.duration} s per workload and target, in ${s.rounds} alternating round${s.rounds === 1 ? '' : 's'} (A B A B)`,
    `Machine: ${m.cores} cores, ${m.cpuModel}, Node ${m.node}, ${m.platform}; load average at start ${m.loadAvgAtStart.join(' ')}, at end ${m.loadAvgAtEnd.join(' ')}` +
      (m.gitCommit ? `; commit ${m.gitCommit}${m.gitDirty ? ' (with uncommitted changes)' : ''}` : ''),
    `Floors (${r.floors.targets.join(', ') || 'none'}) answer every read with the ${fmt(r.floors.payloadBytes)} bytes and content headers of a real GET /fhir/Patient/<id>`,
  ];
}

function problemLines(r: MainResult): string[] {
  return r.workloads.flatMap((w) => Object.entries(w.samples).filter(([, s]) => s.problems.length).map(([t, s]) => `${w.name} on ${t}: ${s.problems.join('; ')}`));
}

/** The run as a plain-text report (stdout) and as Markdown (results file, docs/BENCHMARKS.md). */
export function mainReport(r: MainResult): { text: string; markdown: string } {
  const body = rows(r);
  const goals = r.goals.map((g) => [g.goal, g.value, verdict(g.pass)]);
  const problems = problemLines(r);
  const text = [
    'Forløb benchmark',
    ...headline(r),
    ...serverLines(r),
    ...r.notes.map((n) => `Note: ${n}`),
    '',
    table(body, HEADER, ALIGN),
    '',
    'Goals (issues 4 and 8)',
    table(goals, ['goal', 'measured', 'result'], 'llr'),
    ...(problems.length ? ['', 'Sample checks that failed (these figures do not measure what they claim):', ...problems.map((p) => `  ${p}`)] : []),
  ].join('\n');
  const markdown = [
    `Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC (\`npm run bench -- ${String(r.settings.argv)}\`).`,
    '',
    ...headline(r).map((l) => `- ${l}`),
    ...serverLines(r).map((l) => `- ${l}`),
    ...r.notes.map((n) => `- Note: ${n}`),
    '',
    mdTable(body, HEADER, ALIGN),
    '',
    mdTable(goals, ['goal', 'measured', 'result'], 'llr'),
    ...(problems.length ? ['', 'Sample checks that failed:', '', ...problems.map((p) => `- ${p}`)] : []),
  ].join('\n');
  return { text, markdown };
}
