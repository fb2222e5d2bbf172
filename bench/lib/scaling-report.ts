import type { WorkloadFigures } from './cannon.js';
import type { LoadResult } from './load.js';
import type { ResultHeader } from './results.js';
import { describeMatches, type SampleCheck } from './sample.js';
import { mdTable, table } from './table.js';
import { GROWTH_MAX, verdict } from './targets.js';

/** One data set of the scaling mode. */
export interface SizeResult {
  patients: number;
  resources: number;
  /** Absent when the store was reused. */
  load?: Omit<LoadResult, 'patients'>;
  startupMs: { emptyStore?: number; withData: number };
  memory: { peakRssLoadMiB?: number; peakRssSearchMiB?: number; rssEndMiB?: number };
  databaseMiB: number;
  dataDir?: string;
  workloads: (WorkloadFigures & { sample: SampleCheck })[];
}

export interface Growth {
  name: string;
  p50: number | null;
  p99: number | null;
  mean: number | null;
  /** Base-set throughput / large-set throughput. */
  throughput: number | null;
  /** Server CPU time per request, large / base: the growth least disturbed by a busy machine. */
  serverCpu: number | null;
  withinTarget: boolean | null;
}

export interface ScalingResult extends ResultHeader {
  benchmark: 'scaling';
  /** Base set first, then the larger one. */
  sizes: SizeResult[];
  growth: Growth[];
  workloads: { name: string; query: string }[];
}

/** Growth from the base set to the large one, per workload (judged on mean latency). */
export function growth(base: SizeResult, large: SizeResult | undefined): Growth[] {
  return base.workloads.map((b) => {
    const l = large?.workloads.find((x) => x.name === b.name);
    const ratio = (a: number | undefined, c: number): number | null => (a !== undefined && c ? Math.round((a / c) * 100) / 100 : null);
    const mean = ratio(l?.mean, b.mean);
    return {
      name: b.name,
      p50: ratio(l?.p50, b.p50),
      p99: ratio(l?.p99, b.p99),
      mean,
      throughput: l ? ratio(b.requestsPerSecond, l.requestsPerSecond) : null,
      serverCpu: ratio(l?.serverCpuMsPerRequest, b.serverCpuMsPerRequest),
      withinTarget: mean === null ? null : mean <= GROWTH_MAX,
    };
  });
}

const SIZE_HEADER = ['workload', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'non-2xx', 'KiB/resp', 'CPU ms/req', 'sample matches', 'other CPU', 'sample'];
const GROWTH_HEADER = ['workload', 'p50 ×', 'p99 ×', 'mean ×', 'req/s drop ×', 'server CPU/req ×', `≤ ${GROWTH_MAX}×`];

function sizeLine(s: SizeResult): string {
  return (
    `${s.patients} patients, ${s.resources} resources: ` +
    (s.load ? `load ${s.load.resourcesPerSecond} resources/s (${s.load.seconds} s, ${s.load.bundles} Bundles, p50 ${s.load.bundleP50Ms} ms per Bundle); ` : `reused store ${s.dataDir}; `) +
    `start-up ${s.startupMs.emptyStore !== undefined ? `${s.startupMs.emptyStore} ms empty, ` : ''}${s.startupMs.withData} ms with data; ` +
    `peak RSS ${s.memory.peakRssLoadMiB ?? '?'} MiB loading, ${s.memory.peakRssSearchMiB ?? '?'} MiB searching; database ${s.databaseMiB} MiB`
  );
}

function sizeRows(s: SizeResult): string[][] {
  return s.workloads.map((w) => [
    w.name,
    String(w.requestsPerSecond),
    String(w.p50),
    String(w.p99),
    String(w.max),
    String(w.errors),
    String(w.non2xx),
    (w.bytesPerResponse / 1024).toFixed(1),
    w.serverCpuMsPerRequest.toFixed(2),
    describeMatches(w.sample),
    w.cpu.others.toFixed(2),
    w.sample.problems.length ? 'CHECK' : 'ok',
  ]);
}

function growthRows(g: Growth[]): string[][] {
  const v = (x: number | null): string => (x === null ? '-' : String(x));
  return g.map((x) => [x.name, v(x.p50), v(x.p99), v(x.mean), v(x.throughput), v(x.serverCpu), verdict(x.withinTarget)]);
}

/** The scaling run as plain text (stdout) and Markdown (results file, docs/BENCHMARKS.md). */
export function scalingReport(r: ScalingResult): { text: string; markdown: string } {
  const s = r.settings;
  const m = r.machine;
  const head = [
    `${s.connections} connections, ${s.warmup} s warm-up + ${s.duration} s per workload and data set, in ${s.rounds} alternating round${s.rounds === 1 ? '' : 's'}${s.total ? `, _total=${s.total}` : ''}`,
    `Machine: ${m.cores} cores, ${m.cpuModel}, Node ${m.node}; load average at start ${m.loadAvgAtStart.join(' ')}, at end ${m.loadAvgAtEnd.join(' ')}`,
    ...r.notes.map((n) => `Note: ${n}`),
  ];
  const [base, large] = r.sizes;
  const growthTitle = large
    ? `Growth from ${base.resources} to ${large.resources} resources (target: mean latency at most ${GROWTH_MAX}×; server CPU per request is the figure least disturbed by other load)`
    : '';
  const problems = r.sizes.flatMap((z) => z.workloads.filter((w) => w.sample.problems.length).map((w) => `${z.patients}p ${w.name}: ${w.sample.problems.join('; ')}`));
  const text: string[] = ['Forløb benchmark, scaling mode', ...head];
  const md: string[] = [`Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC (\`npm run bench -- ${String(s.argv)}\`).`, '', ...head.map((l) => `- ${l}`)];
  for (const z of r.sizes) {
    text.push('', sizeLine(z), table(sizeRows(z), SIZE_HEADER));
    md.push('', sizeLine(z), '', mdTable(sizeRows(z), SIZE_HEADER));
  }
  if (large) {
    text.push('', growthTitle, table(growthRows(r.growth), GROWTH_HEADER));
    md.push('', growthTitle, '', mdTable(growthRows(r.growth), GROWTH_HEADER));
  }
  if (problems.length) {
    text.push('', 'Sample checks that failed (these figures do not measure what they claim):', ...problems.map((p) => `  ${p}`));
    md.push('', 'Sample checks that failed:', '', ...problems.map((p) => `- ${p}`));
  }
  return { text: text.join('\n'), markdown: md.join('\n') };
}
