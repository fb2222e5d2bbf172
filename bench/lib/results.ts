import fs from 'node:fs';
import path from 'node:path';
import type { WorkloadFigures } from './cannon.js';
import { log } from './log.js';
import type { LoadResult } from './load.js';
import type { MachineFacts } from './machine.js';
import type { SampleResult } from './workload.js';

/** One Forløb server of a run ("server", or "baseline" with --baseline). */
export interface ServerSummary {
  label: string;
  /** Checkout the build came from. */
  dir: string;
  patients: number;
  resources: number;
  load?: Omit<LoadResult, 'patients'>;
  startupMs: { emptyStore?: number; withData: number };
  /** VmHWM while loading (that process), VmHWM and RSS of the restarted server after every workload. */
  memory: { peakRssLoadMiB?: number; peakRssRunMiB?: number; rssEndMiB?: number };
  databaseMiB: number;
  /** With --keep. */
  dataDir?: string;
}

export interface WorkloadResult {
  name: string;
  description: string;
  group: string;
  expectStatus: number;
  connections: number;
  resourcesPerRequest?: number;
  /** Measured by a fixed number of requests per run instead of a fixed time. */
  fixedAmount?: boolean;
  /** Target label → why it did not run there. */
  unavailable?: Record<string, string>;
  /** Target label → the sample check before measuring. */
  samples: Record<string, SampleResult>;
  /** One per target that ran, in the order measured within a round. */
  figures: WorkloadFigures[];
}

export interface GoalResult {
  goal: string;
  workload?: string;
  /** The measured value, as shown. */
  value: string;
  /** null: not judged (not run, or not available yet). */
  pass: boolean | null;
}

/** What every result file starts with, whatever the mode. */
export interface ResultHeader {
  date: string;
  settings: Record<string, string | number | boolean>;
  machine: MachineFacts & { loadAvgAtEnd: number[] };
  notes: string[];
}

export interface MainResult extends ResultHeader {
  benchmark: 'main';
  servers: ServerSummary[];
  floors: { targets: string[]; payloadBytes: number };
  workloads: WorkloadResult[];
  goals: GoalResult[];
}

/** Write `<base>.json` and `<base>.md` into `dir`. */
export function writeResultFiles(dir: string, base: string, json: unknown, markdown: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, base);
  fs.writeFileSync(`${file}.json`, JSON.stringify(json, null, 1) + '\n');
  fs.writeFileSync(`${file}.md`, markdown + '\n');
  log(`wrote ${file}.json and ${file}.md`);
}

/** Replace the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a Markdown file. */
export function replaceDocSection(file: string, name: string, markdown: string): void {
  const doc = fs.readFileSync(file, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file} has no ${start} … ${end} section`);
  fs.writeFileSync(file, `${doc.slice(0, i + start.length)}\n${markdown}\n${doc.slice(j)}`);
  log(`updated the ${name} section of ${file}`);
}

/** `bench-2026-11-23-1000p`-style file names. */
export function resultBaseName(kind: string, patients: number, suffix = ''): string {
  return `${kind}-${new Date().toISOString().slice(0, 10)}-${patients}p${suffix}`;
}
