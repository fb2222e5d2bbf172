import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { processMemory } from './machine.js';
import { spawnNode, stopChild, type Spawned } from './spawn.js';

/** A checkout whose built server to run: this one, or another (`--baseline=DIR`) to compare with. */
export interface ServerBuild {
  /** "server" for this checkout, "baseline" for the other. */
  label: string;
  /** Checkout directory holding dist/src/main.js (and node_modules). */
  dir: string;
}

export const THIS_BUILD: ServerBuild = { label: 'server', dir: process.cwd() };

/** The built server (dist/src/main.js of a checkout) on its own temporary data directory. */
export class BenchServer {
  readonly dataDir: string;
  readonly build: ServerBuild;
  private proc?: Spawned;

  /** False for a directory this class did not create (never removed). */
  readonly owned: boolean;

  private constructor(dataDir: string, owned: boolean, build: ServerBuild) {
    this.dataDir = dataDir;
    this.owned = owned;
    this.build = build;
  }

  /** An existing data directory (e.g. kept by an earlier run); `remove()` leaves it alone. */
  static existing(dataDir: string, build: ServerBuild = THIS_BUILD): BenchServer {
    // On PostgreSQL (BENCH_PG_URL) the data lives in the database named after the directory.
    if (!BENCH_PG_URL && !fs.existsSync(path.join(dataDir, 'forlob.sqlite'))) throw new Error(`${dataDir} holds no forlob.sqlite`);
    return new BenchServer(path.resolve(dataDir), false, build);
  }

  /** A fresh, empty data directory (under the OS temp dir). */
  static fresh(label: string, build: ServerBuild = THIS_BUILD): BenchServer {
    return new BenchServer(fs.mkdtempSync(path.join(os.tmpdir(), `forlob-bench-${label}-`)), true, build);
  }

  /** Start the server; resolves with the start-up time (spawn until /healthz answers 200), in ms. */
  async start(env: Record<string, string> = {}): Promise<number> {
    if (this.proc) throw new Error('already started');
    // BENCH_PG_URL (an admin URL): the server runs on PostgreSQL, in a database of this data directory's own.
    const pgEnv: Record<string, string> = BENCH_PG_URL ? { DATABASE_URL: await benchDatabase(this.dataDir, 'create') } : {};
    this.proc = await spawnNode(path.join(this.build.dir, 'dist/src/main.js'), {
      cwd: this.build.dir,
      // AUTH=off: the workloads measure FHIR, not token checks (a verified token is cached, see token-service.ts).
      env: { DATA_DIR: this.dataDir, LOG_LEVEL: 'warn', AUTH: 'off', ...pgEnv, ...env },
      readyPath: '/healthz',
      // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": node flags for the servers only (not
      // the floors, not the load generator); Node refuses --cpu-prof in NODE_OPTIONS.
      nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean),
    });
    return this.proc.startupMs;
  }

  get pid(): number {
    const pid = this.proc?.child.pid;
    if (pid === undefined) throw new Error('not started');
    return pid;
  }

  /** `http://127.0.0.1:port` */
  get root(): string {
    if (!this.proc) throw new Error('not started');
    return this.proc.root;
  }

  /** `http://127.0.0.1:port/fhir` */
  get base(): string {
    return `${this.root}/fhir`;
  }

  memory(): { rssMiB?: number; peakRssMiB?: number } {
    return this.proc?.child.pid !== undefined ? processMemory(this.proc.child.pid) : {};
  }

  /** SIGTERM and wait (SIGKILL after 15 s). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    await stopChild(proc.child);
  }

  sqliteFile(): string {
    return path.join(this.dataDir, 'forlob.sqlite');
  }

  remove(): void {
    if (!this.owned) return;
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    if (BENCH_PG_URL) void benchDatabase(this.dataDir, 'drop').catch(() => undefined);
  }
}

const BENCH_PG_URL = process.env.BENCH_PG_URL || undefined;

/** The PostgreSQL database of a bench data directory: created empty once per run (`create`), or dropped. */
async function benchDatabase(dataDir: string, action: 'create' | 'drop'): Promise<string> {
  const name = `forlob_bench_${path.basename(dataDir).replace(/[^a-zA-Z0-9]/g, '_').toLowerCase()}`;
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  try {
    if (action === 'drop') await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    else if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(BENCH_PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}
