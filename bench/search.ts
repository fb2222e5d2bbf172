/**
 * Search benchmark (issue 3, "Speed"): `npm run bench:search [-- --patients=1000 --duration=10 …]`.
 *
 * Starts the built server on a fresh temporary store, loads a deterministic Danish population
 * (bench/data.ts) through transaction Bundles, restarts the server (start-up time with data), then
 * drives each search workload with autocannon (16 connections, warm-up, fixed duration), rotating
 * through many patients. A second fresh server holds `scale`× fewer patients; each workload runs on
 * the large store and right after on the small one, and the latency growth factor is reported.
 * Prints a table and writes JSON to bench/results/.
 *
 * Options (flag or environment variable):
 *   --patients=1000       BENCH_PATIENTS         patients in the large data set (~103 resources each)
 *   --scale=10            BENCH_SCALE            the small set has patients/scale patients; 0 or 1: skip it
 *   --duration=10         BENCH_DURATION         seconds measured per workload
 *   --warmup=2            BENCH_WARMUP           seconds of warm-up per workload
 *   --connections=16      BENCH_CONNECTIONS
 *   --only=token,chain    BENCH_ONLY             run only these workloads (names as in the table)
 *   --total=none          BENCH_TOTAL            append _total=<value> to every query
 *   --seed=20250101       BENCH_SEED
 *   --bundle-entries=300  BENCH_BUNDLE_ENTRIES   entries per transaction Bundle while loading
 *   --load-concurrency=2  BENCH_LOAD_CONCURRENCY Bundles in flight while loading
 *   --keep                BENCH_KEEP             keep the temporary data directories (for EXPLAIN QUERY PLAN,
 *                                                or --reuse)
 *   --reuse=DIR[,DIR]     BENCH_REUSE            search stores kept by an earlier --keep run (large, small)
 *                                                instead of loading new ones; same --patients/--scale/--seed
 *   --out-dir=bench/results                      where the JSON goes ("" to skip writing)
 */
import fs from 'node:fs';
import path from 'node:path';
import { runPathWorkload, sampleWorkload, type SampleCheck, type WorkloadFigures } from './lib/cannon.js';
import { findLoadedPatients, loadDataSet, type LoadedPatient, type LoadResult } from './lib/load.js';
import { loadAvg, machineFacts } from './lib/machine.js';
import { readOptions } from './lib/options.js';
import { BenchServer } from './lib/server.js';
import { searchWorkloads, type PathWorkload } from './lib/workloads.js';

const opts = readOptions({
  patients: 1000,
  scale: 10,
  duration: 10,
  warmup: 2,
  connections: 16,
  only: '',
  total: '',
  seed: 20250101,
  bundleEntries: 300,
  loadConcurrency: 2,
  keep: false,
  reuse: '',
  outDir: 'bench/results',
});

interface SizeResult {
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

const log = (msg: string): void => {
  process.stderr.write(`[bench:search ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

interface Prepared {
  patients: number;
  server: BenchServer;
  load?: LoadResult;
  loaded: LoadedPatient[];
  resources: number;
  emptyStartup?: number;
  withData: number;
  peakRssLoadMiB?: number;
  workloads: PathWorkload[];
  results: SizeResult['workloads'];
}

/** A fresh server with the data set loaded, restarted (start-up time with data) and ready to search. */
async function prepare(patients: number, reuse: string | undefined): Promise<Prepared> {
  const gen = { patients, seed: opts.seed, bundleEntries: opts.bundleEntries };
  const server = reuse ? BenchServer.existing(reuse) : BenchServer.fresh(`${patients}p`);
  servers.push(server);
  let load: LoadResult | undefined;
  let emptyStartup: number | undefined;
  let peakRssLoadMiB: number | undefined;
  if (!reuse) {
    log(`${patients} patients: starting server on ${server.dataDir}`);
    emptyStartup = await server.start();
    let lastPct = -1;
    load = await loadDataSet(server.base, gen, opts.loadConcurrency, (done, total) => {
      const pct = Math.floor((done / total) * 10) * 10;
      if (pct !== lastPct) {
        lastPct = pct;
        log(`  loaded ${done}/${total} patients`);
      }
    });
    log(`  ${load.resources} resources in ${load.seconds} s (${load.resourcesPerSecond}/s)`);
    peakRssLoadMiB = server.memory().peakRssMiB;
    await server.stop();
  }
  const withData = await server.start();
  log(`  ${patients} patients: server started on ${reuse ? 'the kept store ' : ''}${server.dataDir} in ${withData} ms`);
  const loaded = load?.patients ?? (await findLoadedPatients(server.base, gen));
  const resources = load?.resources ?? (await countResources(server.base));
  const all = searchWorkloads(loaded, opts.seed, opts.total ? `_total=${encodeURIComponent(opts.total)}` : '');
  const only = opts.only ? new Set(opts.only.split(',').map((x) => x.trim())) : undefined;
  const workloads = all.filter((w) => !only || only.has(w.name));
  return { patients, server, load, loaded, resources, emptyStartup, withData, peakRssLoadMiB, workloads, results: [] };
}

/** Resources in a store, by `_summary=count` over the types the data set has. */
async function countResources(base: string): Promise<number> {
  let n = 0;
  for (const type of ['Organization', 'Patient', 'Condition', 'Encounter', 'Observation', 'CareTeam', 'CarePlan', 'Task']) {
    const res = await fetch(`${base}/${type}?_summary=count`, { headers: { accept: 'application/fhir+json' } });
    n += ((await res.json()) as { total?: number }).total ?? 0;
  }
  return n;
}

async function measure(p: Prepared, index: number): Promise<void> {
  const w = p.workloads[index];
  const sample = await sampleWorkload(p.server.root, w);
  if (sample.problems.length) log(`  ${p.patients}p ${w.name}: ${sample.problems.join('; ')}`);
  const figures = await runPathWorkload(p.server.root, p.server.pid, w, opts);
  log(
    `  ${p.patients}p ${w.name}: ${figures.requestsPerSecond} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, ` +
      `non-2xx ${figures.non2xx}, errors ${figures.errors}, CPU server ${figures.cpu.server} others ${figures.cpu.others}`,
  );
  p.results.push({ ...figures, sample });
}

async function finish(p: Prepared): Promise<SizeResult> {
  const mem = p.server.memory();
  await p.server.stop();
  let loadFigures: SizeResult['load'];
  if (p.load) {
    const { patients: _loaded, ...rest } = p.load;
    void _loaded;
    loadFigures = rest;
  }
  return {
    patients: p.patients,
    resources: p.resources,
    ...(loadFigures ? { load: loadFigures } : {}),
    startupMs: { emptyStore: p.emptyStartup, withData: p.withData },
    memory: { peakRssLoadMiB: p.peakRssLoadMiB, peakRssSearchMiB: mem.peakRssMiB, rssEndMiB: mem.rssMiB },
    databaseMiB: dirMiB(p.server.dataDir),
    ...(opts.keep || !p.server.owned ? { dataDir: p.server.dataDir } : {}),
    workloads: p.results,
  };
}

const servers: BenchServer[] = [];

async function cleanup(): Promise<void> {
  for (const s of servers) {
    await s.stop();
    if (!opts.keep) s.remove();
  }
}

function dirMiB(dir: string): number {
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, f)).size;
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

interface Growth {
  name: string;
  p50: number | null;
  p99: number | null;
  mean: number | null;
  /** Small-set throughput / large-set throughput. */
  throughput: number | null;
  /** Server CPU time per request, large / small: the growth least disturbed by a busy machine. */
  serverCpu: number | null;
  withinTarget: boolean | null;
}

function growth(large: SizeResult, small: SizeResult | undefined): Growth[] {
  return large.workloads.map((l) => {
    const s = small?.workloads.find((x) => x.name === l.name);
    const ratio = (a: number, b: number | undefined): number | null => (b ? Math.round((a / b) * 100) / 100 : null);
    const p50 = ratio(l.p50, s?.p50);
    const mean = ratio(l.mean, s?.mean);
    return {
      name: l.name,
      p50,
      p99: ratio(l.p99, s?.p99),
      mean,
      throughput: s ? ratio(s.requestsPerSecond, l.requestsPerSecond) : null,
      serverCpu: ratio(l.serverCpuMsPerRequest, s?.serverCpuMsPerRequest),
      withinTarget: mean === null ? null : mean <= 2,
    };
  });
}

function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]): string => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

function report(sizes: SizeResult[], g: Growth[]): string {
  const out: string[] = [];
  for (const s of sizes) {
    out.push('');
    out.push(
      `${s.patients} patients, ${s.resources} resources: ` +
        (s.load
          ? `load ${s.load.resourcesPerSecond} resources/s (${s.load.seconds} s, ${s.load.bundles} Bundles, p50 ${s.load.bundleP50Ms} ms per Bundle); `
          : `reused store ${s.dataDir}; `) +
        `start-up ${s.startupMs.emptyStore !== undefined ? `${s.startupMs.emptyStore} ms empty, ` : ''}${s.startupMs.withData} ms with data; ` +
        `peak RSS ${s.memory.peakRssLoadMiB ?? '?'} MiB loading, ${s.memory.peakRssSearchMiB ?? '?'} MiB searching; database ${s.databaseMiB} MiB`,
    );
    out.push(
      table(
        s.workloads.map((w) => [
          w.name,
          w.requestsPerSecond,
          w.p50,
          w.p99,
          w.max,
          w.errors + w.timeouts,
          w.non2xx,
          (w.bytesPerResponse / 1024).toFixed(1),
          w.serverCpuMsPerRequest.toFixed(2),
          `${w.sample.matches.join('/')}${w.sample.included.some((x) => x > 0) ? ` +${w.sample.included.join('/')}` : ''}`,
          w.cpu.others.toFixed(2),
          w.sample.problems.length ? 'CHECK' : 'ok',
        ]),
        ['workload', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'non-2xx', 'KiB/resp', 'CPU ms/req', 'sample matches', 'other CPU', 'sample'],
      ),
    );
  }
  if (sizes.length > 1) {
    out.push('');
    out.push(
      `Growth from ${sizes[1].resources} to ${sizes[0].resources} resources (target: latency at most 2×, judged on mean latency; ` +
        `server CPU per request is the figure least disturbed by other load)`,
    );
    out.push(
      table(
        g.map((x) => [
          x.name,
          x.p50 ?? '-',
          x.p99 ?? '-',
          x.mean ?? '-',
          x.throughput ?? '-',
          x.serverCpu ?? '-',
          x.withinTarget === null ? '-' : x.withinTarget ? 'yes' : 'NO',
        ]),
        ['workload', 'p50 ×', 'p99 ×', 'mean ×', 'req/s drop ×', 'server CPU/req ×', '≤ 2×'],
      ),
    );
  }
  const problems = sizes.flatMap((s) => s.workloads.filter((w) => w.sample.problems.length).map((w) => `  ${s.patients}p ${w.name}: ${w.sample.problems.join('; ')}`));
  if (problems.length) {
    out.push('');
    out.push('Sample checks that failed (the figures of these workloads do not measure what they claim):');
    out.push(...problems);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const machine = machineFacts();
  log(`${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAvgAtStart.join(' ')}`);
  if (machine.loadAvgAtStart[0] > machine.cores * 0.5) {
    log(`WARNING: load average ${machine.loadAvgAtStart[0]} on ${machine.cores} cores before the run: other processes compete for the CPU`);
  }
  // Both data sets are loaded first; then each workload runs on the large store and right after on
  // the small one, so a machine whose load drifts affects both sides of a growth factor alike.
  const prepared: Prepared[] = [];
  try {
    const reuse = opts.reuse ? opts.reuse.split(',').map((d) => d.trim()) : [];
    prepared.push(await prepare(opts.patients, reuse[0]));
    const small = opts.scale > 1 ? Math.floor(opts.patients / opts.scale) : 0;
    if (small >= 1) prepared.push(await prepare(small, reuse[1]));
    for (let i = 0; i < prepared[0].workloads.length; i++) for (const p of prepared) await measure(p, i);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const sizes: SizeResult[] = [];
  for (const p of prepared) sizes.push(await finish(p));
  await cleanup();
  const g = growth(sizes[0], sizes[1]);
  const loadAtEnd = loadAvg();

  const othersMax = Math.max(0, ...sizes.flatMap((s) => s.workloads.map((w) => w.cpu.others)));
  const notes: string[] = [];
  if (machine.loadAvgAtStart[0] > machine.cores * 0.5) notes.push(`load average ${machine.loadAvgAtStart[0]} at start on ${machine.cores} cores`);
  if (othersMax >= 0.25) notes.push(`other processes used up to ${othersMax} cores during a measured window: figures are pessimistic`);

  const text = report(sizes, g);
  process.stdout.write(
    `Forløb search benchmark: ${opts.connections} connections, ${opts.warmup} s warm-up + ${opts.duration} s per workload` +
      `${opts.total ? `, _total=${opts.total}` : ''}\n` +
      `Machine: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; load average at start ${machine.loadAvgAtStart.join(' ')}, at end ${loadAtEnd.join(' ')}\n` +
      `${notes.length ? `Note: ${notes.join('; ')}\n` : ''}` +
      text +
      '\n',
  );

  if (opts.outDir) {
    const date = new Date().toISOString().slice(0, 10);
    const suffix = `${opts.total ? `-total-${opts.total}` : ''}${opts.reuse ? '-reused' : ''}${opts.only ? '-partial' : ''}`;
    const file = path.join(opts.outDir, `search-${date}-${opts.patients}p${suffix}.json`);
    fs.mkdirSync(opts.outDir, { recursive: true });
    const result = {
      benchmark: 'search',
      date: new Date().toISOString(),
      settings: {
        connections: opts.connections,
        warmupSeconds: opts.warmup,
        durationSeconds: opts.duration,
        seed: opts.seed,
        bundleEntries: opts.bundleEntries,
        loadConcurrency: opts.loadConcurrency,
        ...(opts.total ? { total: opts.total } : {}),
      },
      machine: { ...machine, loadAvgAtEnd: loadAtEnd },
      notes,
      sizes: sizes.map((s) => ({
        ...s,
        workloads: s.workloads.map(({ sample, ...w }) => ({
          ...w,
          sample: { matches: sample.matches, included: sample.included, totals: sample.totals, problems: sample.problems },
        })),
      })),
      growth: g,
      workloads: searchWorkloads([], opts.seed).map((w) => ({ name: w.name, query: w.description })),
    };
    fs.writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
    log(`wrote ${file}`);
  }
}

process.once('SIGINT', () => {
  log('interrupted: stopping servers');
  void cleanup().finally(() => process.exit(130));
});

main().catch((err: unknown) => {
  process.stderr.write(`bench:search failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
