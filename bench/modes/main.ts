/**
 * `npm run bench`: the server against its floors (and, with --baseline, against another build), on
 * every workload of issue 4. See bench/run.ts for the options and docs/BENCHMARKS.md for the method.
 */
import fs from 'node:fs';
import path from 'node:path';
import { alternate, type Leg } from '../lib/cannon.js';
import { atCleanup } from '../lib/cleanup.js';
import { startFloors, type FloorLabel, FLOOR_KINDS } from '../lib/floors.js';
import { readWorkload, searchDefs } from '../lib/get-workloads.js';
import { log } from '../lib/log.js';
import { loadAvg, machineFacts } from '../lib/machine.js';
import { fetchCapabilities, operationWorkloads } from '../lib/operation-workloads.js';
import { COMMON_OPTIONS, onlyNames, readOptions } from '../lib/options.js';
import { dirMiB, estimateLoad, prepareServer, type PreparedServer } from '../lib/prepare.js';
import { mainReport } from '../lib/report.js';
import { replaceDocSection, resultBaseName, writeResultFiles, type MainResult, type ServerSummary, type WorkloadResult } from '../lib/results.js';
import { sampleBound } from '../lib/sample.js';
import { startSecurityTwin } from '../lib/security-twin.js';
import { THIS_BUILD, type ServerBuild } from '../lib/server.js';
import { evaluateGoals } from '../lib/targets.js';
import { cannonRequest, type Capabilities, type SampleResult, type Target, type WorkloadDef } from '../lib/workload.js';
import { bigTransactionWorkload, createWorkload, transaction2Workload, updateWorkload } from '../lib/write-workloads.js';

const MAIN_OPTIONS = {
  ...COMMON_OPTIONS,
  baseline: '',
  floors: FLOOR_KINDS.map((f) => f.label).join(','),
  tx500Entries: 500,
  tx500Connections: 4,
  updatePool: 4,
  /** 1: reads and searches also on a twin of the server with security on (security-twin.ts); 0: not. */
  securityOn: 1,
};

export async function runMainMode(argv: string[]): Promise<void> {
  const opts = readOptions(MAIN_OPTIONS, argv);
  const machine = machineFacts();
  log(`${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAvgAtStart.join(' ')}`);
  if (machine.loadAvgAtStart[0] > machine.cores * 0.5) log(`WARNING: load average ${machine.loadAvgAtStart[0]} on ${machine.cores} cores: other processes compete for the CPU`);

  const builds: ServerBuild[] = [THIS_BUILD];
  if (opts.baseline) {
    const dir = path.resolve(opts.baseline);
    if (!fs.existsSync(path.join(dir, 'dist/src/main.js'))) throw new Error(`--baseline=${dir}: no dist/src/main.js there (npm ci && npm run build in that checkout)`);
    builds.push({ label: 'baseline', dir });
  }
  const gen = { patients: opts.patients, seed: opts.seed, bundleEntries: opts.bundleEntries };
  log(`${builds.length > 1 ? 'each server: ' : ''}${estimateLoad(opts.patients)}`);

  const floorLabels = opts.floors.split(',').map((x) => x.trim()).filter(Boolean) as FloorLabel[];
  for (const l of floorLabels) if (!FLOOR_KINDS.some((k) => k.label === l)) throw new Error(`--floors: unknown floor "${l}" (${FLOOR_KINDS.map((k) => k.label).join(', ')})`);

  // Reads and searches first: the write workloads grow the store and would disturb them.
  const all: WorkloadDef[] = [
    readWorkload(opts.seed),
    ...searchDefs(opts.seed),
    createWorkload(),
    updateWorkload(opts.connections, opts.updatePool),
    transaction2Workload(gen),
    bigTransactionWorkload(gen, opts.tx500Entries, opts.tx500Connections),
    ...operationWorkloads(gen),
  ];
  const only = onlyNames(opts.only, all.map((d) => d.name));
  const defs = all.filter((d) => !only || only.has(d.name));

  const prepared: PreparedServer[] = [];
  for (const build of builds) prepared.push(await prepareServer({ ...gen, loadConcurrency: opts.loadConcurrency, build, keep: opts.keep }));
  const main = prepared[0];
  // On PostgreSQL (BENCH_PG_URL) the store is a database, not a directory to copy.
  const wantTwin = opts.securityOn > 0 && !process.env.BENCH_PG_URL && defs.some((d) => d.group === 'read' || d.group === 'search');
  const twin = wantTwin ? await startSecurityTwin(main) : undefined;
  const caps = new Map<string, Capabilities>();
  for (const p of prepared) caps.set(p.server.build.label, await fetchCapabilities(p.server.root));
  const floors = await startFloors(main.server.root, main.patients[0].id, floorLabels);
  const stopFloors = atCleanup(floors.stop);

  const workloads: WorkloadResult[] = [];
  for (const def of defs) {
    const connections = def.connections ?? opts.connections;
    const legs: Leg[] = [];
    const samples: Record<string, SampleResult> = {};
    const unavailable: Record<string, string> = {};
    const add = async (target: Target, patients: PreparedServer['patients']): Promise<void> => {
      const bound = await def.bind(target, patients);
      const sample = bound.sample ? await bound.sample(target) : await sampleBound(target, bound, def.expectStatus);
      samples[target.label] = sample;
      if (sample.problems.length) log(`  ${def.name} on ${target.label}: SAMPLE CHECK: ${sample.problems.join('; ')}`);
      legs.push({ target, request: () => cannonRequest(bound, target.headers), beforeRun: bound.beforeRun });
    };
    for (const p of prepared) {
      const target: Target = { label: p.server.build.label, kind: 'server', root: p.server.root, pid: p.server.pid };
      const why = def.unavailable?.(caps.get(target.label)!);
      if (why) unavailable[target.label] = why;
      else await add(target, p.patients);
    }
    if (twin && (def.group === 'read' || def.group === 'search')) await add(twin.target, main.patients);
    if (def.onFloors) for (const target of floors.targets) await add(target, main.patients);
    if (Object.keys(unavailable).length) log(`${def.name}: ${Object.entries(unavailable).map(([t, why]) => `${t}: ${why}`).join('; ')}`);
    const figures = legs.length ? await alternate(def.name, legs, { connections, warmup: opts.warmup, duration: opts.duration, rounds: opts.rounds, fixedAmount: def.fixedAmount }) : [];
    for (const f of figures) {
      const rate = def.resourcesPerRequest ? ` (${Math.round((f.requests * def.resourcesPerRequest) / f.seconds)} resources/s)` : '';
      log(`${def.name} on ${f.target}: ${f.requestsPerSecond} req/s${rate}, p50 ${f.p50} ms, p99 ${f.p99} ms, errors ${f.errors}, CPU ${f.serverCpuMsPerRequest} ms/req, others ${f.cpu.others}`);
    }
    workloads.push({
      name: def.name,
      description: def.description,
      group: def.group,
      expectStatus: def.expectStatus,
      connections,
      ...(def.resourcesPerRequest ? { resourcesPerRequest: def.resourcesPerRequest } : {}),
      ...(def.fixedAmount ? { fixedAmount: true } : {}),
      ...(Object.keys(unavailable).length ? { unavailable } : {}),
      samples,
      figures,
    });
  }

  await stopFloors();
  await twin?.stop();
  const servers: ServerSummary[] = [];
  for (const p of prepared) {
    const mem = p.server.memory();
    await p.server.stop();
    servers.push({
      label: p.server.build.label,
      dir: p.server.build.dir,
      patients: opts.patients,
      resources: p.resources,
      ...(p.load ? { load: p.load } : {}),
      startupMs: p.startupMs,
      memory: { peakRssLoadMiB: p.peakRssLoadMiB, peakRssRunMiB: mem.peakRssMiB, rssEndMiB: mem.rssMiB },
      databaseMiB: dirMiB(p.server.dataDir),
      ...(opts.keep ? { dataDir: p.server.dataDir } : {}),
    });
    await p.dispose();
  }

  const notes: string[] = [];
  if (machine.loadAvgAtStart[0] > machine.cores * 0.5) notes.push(`load average ${machine.loadAvgAtStart[0]} at start on ${machine.cores} cores`);
  const othersMax = Math.max(0, ...workloads.flatMap((w) => w.figures.map((f) => f.cpu.others)));
  if (othersMax >= 0.25) notes.push(`other processes used up to ${othersMax} cores during a measured window: figures are pessimistic`);
  if (opts.only) notes.push(`only ${opts.only}`);

  const run: Omit<MainResult, 'goals'> = {
    benchmark: 'main',
    date: new Date().toISOString(),
    settings: {
      argv: argv.join(' '),
      patients: opts.patients,
      connections: opts.connections,
      warmup: opts.warmup,
      duration: opts.duration,
      rounds: opts.rounds,
      tx500Connections: opts.tx500Connections,
      updatePool: opts.updatePool,
      seed: opts.seed,
      bundleEntries: opts.bundleEntries,
      loadConcurrency: opts.loadConcurrency,
      ...(opts.baseline ? { baseline: path.resolve(opts.baseline) } : {}),
    },
    machine: { ...machine, loadAvgAtEnd: loadAvg() },
    notes,
    servers,
    floors: { targets: floors.targets.map((t) => t.label), payloadBytes: floors.payloadBytes },
    workloads,
  };
  const result: MainResult = { ...run, goals: evaluateGoals(run) };
  const { text, markdown } = mainReport(result);
  process.stdout.write(text + '\n');
  if (opts.outDir) writeResultFiles(opts.outDir, resultBaseName('bench', opts.patients, `${opts.baseline ? '-vs-baseline' : ''}${opts.only ? '-partial' : ''}`), result, markdown);
  if (opts.writeDoc) replaceDocSection(opts.doc, 'results', markdown);
}
