/**
 * `npm run bench -- --mode=scaling`: the search workloads on a base data set and on `scale`× more
 * data, in alternation, and how latency grows (issue 4: at most 2× at 10× the data). See bench/run.ts
 * for the options.
 */
import { alternate, type Leg } from '../lib/cannon.js';
import { log } from '../lib/log.js';
import { loadAvg, machineFacts } from '../lib/machine.js';
import { COMMON_OPTIONS, onlyNames, readOptions } from '../lib/options.js';
import { dirMiB, estimateLoad, prepareServer, type PreparedServer } from '../lib/prepare.js';
import { replaceDocSection, resultBaseName, writeResultFiles } from '../lib/results.js';
import { sampleWorkload, type SampleCheck } from '../lib/sample.js';
import { growth, scalingReport, type ScalingResult, type SizeResult } from '../lib/scaling-report.js';
import { cannonRequest, rotatingPaths, type Target } from '../lib/workload.js';
import { searchWorkloads, type PathWorkload } from '../lib/workloads.js';

const SCALING_OPTIONS = { ...COMMON_OPTIONS, scale: 10, total: '', reuse: '' };

interface Size {
  patients: number;
  p: PreparedServer;
  workloads: PathWorkload[];
  results: SizeResult['workloads'];
}

export async function runScalingMode(argv: string[]): Promise<void> {
  const opts = readOptions(SCALING_OPTIONS, argv);
  const machine = machineFacts();
  log(`${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAvgAtStart.join(' ')}`);
  const counts = [opts.patients, ...(opts.scale > 1 ? [Math.round(opts.patients * opts.scale)] : [])];
  const reuse = opts.reuse ? opts.reuse.split(',').map((d) => d.trim()) : [];
  if (!reuse.length) log(`scaling: ${counts.map((n) => `${n} patients: ${estimateLoad(n)}`).join('; ')}`);

  const sizes: Size[] = [];
  const only = onlyNames(opts.only, searchWorkloads([], opts.seed).map((w) => w.name));
  const extra = opts.total ? `_total=${encodeURIComponent(opts.total)}` : '';
  for (const [i, patients] of counts.entries()) {
    if (i > 0 && sizes[0].p.load && !reuse[i]) log(`next: ${patients} patients, ${estimateLoad(patients, sizes[0].p.load.resourcesPerSecond)}`);
    const p = await prepareServer({ patients, seed: opts.seed, bundleEntries: opts.bundleEntries, loadConcurrency: opts.loadConcurrency, reuse: reuse[i], keep: opts.keep });
    const workloads = searchWorkloads(p.patients, opts.seed, extra).filter((w) => !only || only.has(w.name));
    sizes.push({ patients, p, workloads, results: [] });
  }

  // Each workload alternates between the data sets (A B A B), so drift hits both sides of a growth factor.
  for (let i = 0; i < sizes[0].workloads.length; i++) {
    const name = sizes[0].workloads[i].name;
    const legs: Leg[] = [];
    const samples: SampleCheck[] = [];
    for (const z of sizes) {
      const target: Target = { label: `${z.patients}p`, kind: 'server', root: z.p.server.root, pid: z.p.server.pid };
      const sample = await sampleWorkload(target, z.workloads[i]);
      if (sample.problems.length) log(`  ${target.label} ${name}: ${sample.problems.join('; ')}`);
      samples.push(sample);
      const bound = rotatingPaths(z.workloads[i].paths);
      legs.push({ target, request: () => cannonRequest(bound) });
    }
    const figures = await alternate(name, legs, opts);
    figures.forEach((f, j) => {
      log(`  ${f.target} ${name}: ${f.requestsPerSecond} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, errors ${f.errors}, CPU ${f.serverCpuMsPerRequest} ms/req, others ${f.cpu.others}`);
      sizes[j].results.push({ ...f, sample: samples[j] });
    });
  }

  const results: SizeResult[] = [];
  for (const z of sizes) {
    const mem = z.p.server.memory();
    await z.p.server.stop();
    results.push({
      patients: z.patients,
      resources: z.p.resources,
      ...(z.p.load ? { load: z.p.load } : {}),
      startupMs: z.p.startupMs,
      memory: { peakRssLoadMiB: z.p.peakRssLoadMiB, peakRssSearchMiB: mem.peakRssMiB, rssEndMiB: mem.rssMiB },
      databaseMiB: dirMiB(z.p.server.dataDir),
      ...(opts.keep || !z.p.server.owned ? { dataDir: z.p.server.dataDir } : {}),
      workloads: z.results,
    });
    await z.p.dispose();
  }

  const notes: string[] = [];
  if (machine.loadAvgAtStart[0] > machine.cores * 0.5) notes.push(`load average ${machine.loadAvgAtStart[0]} at start on ${machine.cores} cores`);
  const othersMax = Math.max(0, ...results.flatMap((s) => s.workloads.map((w) => w.cpu.others)));
  if (othersMax >= 0.25) notes.push(`other processes used up to ${othersMax} cores during a measured window: figures are pessimistic`);
  const result: ScalingResult = {
    benchmark: 'scaling',
    date: new Date().toISOString(),
    settings: {
      argv: argv.join(' '),
      patients: opts.patients,
      scale: opts.scale,
      connections: opts.connections,
      warmup: opts.warmup,
      duration: opts.duration,
      rounds: opts.rounds,
      seed: opts.seed,
      bundleEntries: opts.bundleEntries,
      loadConcurrency: opts.loadConcurrency,
      ...(opts.total ? { total: opts.total } : {}),
    },
    machine: { ...machine, loadAvgAtEnd: loadAvg() },
    notes,
    sizes: results,
    growth: growth(results[0], results[1]),
    workloads: searchWorkloads([], opts.seed).map((w) => ({ name: w.name, query: w.description })),
  };
  const { text, markdown } = scalingReport(result);
  process.stdout.write(text + '\n');
  const suffix = `${opts.total ? `-total-${opts.total}` : ''}${opts.reuse ? '-reused' : ''}${opts.only ? '-partial' : ''}`;
  if (opts.outDir) writeResultFiles(opts.outDir, resultBaseName('scaling', opts.patients, suffix), result, markdown);
  if (opts.writeDoc) replaceDocSection(opts.doc, 'scaling', markdown);
}
