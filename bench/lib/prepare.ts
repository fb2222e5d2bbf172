import fs from 'node:fs';
import path from 'node:path';
import { atCleanup } from './cleanup.js';
import { findLoadedPatients, loadDataSet, type LoadedPatient, type LoadResult } from './load.js';
import { log } from './log.js';
import { BenchServer, THIS_BUILD, type ServerBuild } from './server.js';

export interface PrepareOptions {
  patients: number;
  seed: number;
  bundleEntries: number;
  loadConcurrency: number;
  build?: ServerBuild;
  /** A data directory kept by an earlier run (`--keep`), searched instead of loading a new one. */
  reuse?: string;
  /** Keep the store when done (`--keep`). */
  keep?: boolean;
}

/** A server started on a store holding the data set, with what it took to get there. */
export interface PreparedServer {
  server: BenchServer;
  patients: LoadedPatient[];
  resources: number;
  /** Absent when the store was reused. */
  load?: Omit<LoadResult, 'patients'>;
  startupMs: { emptyStore?: number; withData: number };
  /** VmHWM of the process that loaded the data (it is restarted before the workloads). */
  peakRssLoadMiB?: number;
  /** Stop the server and remove its store (unless kept); also run on failure or Ctrl-C. */
  dispose: () => Promise<void>;
}

/**
 * Start the built server on a fresh store (start-up time, empty), load the data set through
 * transaction Bundles, then restart it (start-up time with data) so the workloads meet a server that
 * did not just write everything: caches and memory as after a restart in production.
 */
export async function prepareServer(o: PrepareOptions): Promise<PreparedServer> {
  const build = o.build ?? THIS_BUILD;
  const tag = `${build.label} ${o.patients}p`;
  const gen = { patients: o.patients, seed: o.seed, bundleEntries: o.bundleEntries };
  const server = o.reuse ? BenchServer.existing(o.reuse, build) : BenchServer.fresh(`${build.label}-${o.patients}p`, build);
  const dispose = atCleanup(async () => {
    await server.stop();
    if (!o.keep) server.remove();
  });
  let load: LoadResult | undefined;
  let emptyStore: number | undefined;
  let peakRssLoadMiB: number | undefined;
  try {
    if (!o.reuse) {
      log(`${tag}: starting ${path.join(build.dir, 'dist/src/main.js')} on ${server.dataDir}`);
      emptyStore = await server.start();
      let lastPct = -1;
      load = await loadDataSet(server.base, gen, o.loadConcurrency, (done, total) => {
        const pct = Math.floor((done / total) * 10) * 10;
        if (pct !== lastPct) {
          lastPct = pct;
          log(`  ${tag}: loaded ${done}/${total} patients`);
        }
      });
      log(`  ${tag}: ${load.resources} resources in ${load.seconds} s (${load.resourcesPerSecond}/s)`);
      peakRssLoadMiB = server.memory().peakRssMiB;
      await server.stop();
    }
    const withData = await server.start();
    log(`  ${tag}: started on ${o.reuse ? 'the kept store ' : ''}${server.dataDir} in ${withData} ms`);
    const patients = load?.patients ?? (await findLoadedPatients(server.base, gen));
    const resources = load?.resources ?? (await countResources(server.base));
    let loadFigures: PreparedServer['load'];
    if (load) {
      const { patients: _p, ...rest } = load;
      void _p;
      loadFigures = rest;
    }
    return { server, patients, resources, load: loadFigures, startupMs: { emptyStore, withData }, peakRssLoadMiB, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
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

/** Size of a data directory's files, MiB. */
export function dirMiB(dir: string): number {
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, f)).size;
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** About this many resources per generated patient (data.ts). */
export const RESOURCES_PER_PATIENT = 103.5;
/** Load rate assumed before anything was measured (1,000 patients loaded at ~900/s on 2026-11-23). */
const ASSUMED_LOAD_RATE = 900;

/** "about 2 min to load 103,500 resources at ~900/s (assumed)". */
export function estimateLoad(patients: number, measuredRate?: number): string {
  const resources = Math.round(patients * RESOURCES_PER_PATIENT);
  const rate = measuredRate ?? ASSUMED_LOAD_RATE;
  const s = resources / rate;
  const time = s < 90 ? `${Math.ceil(s)} s` : `${Math.round(s / 60)} min`;
  return `about ${time} to load ~${resources.toLocaleString('en-US')} resources at ~${Math.round(rate)}/s (${measuredRate ? 'as just measured' : 'assumed'})`;
}
