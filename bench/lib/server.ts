import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    if (!fs.existsSync(path.join(dataDir, 'forlob.sqlite'))) throw new Error(`${dataDir} holds no forlob.sqlite`);
    return new BenchServer(path.resolve(dataDir), false, build);
  }

  /** A fresh, empty data directory (under the OS temp dir). */
  static fresh(label: string, build: ServerBuild = THIS_BUILD): BenchServer {
    return new BenchServer(fs.mkdtempSync(path.join(os.tmpdir(), `forlob-bench-${label}-`)), true, build);
  }

  /** Start the server; resolves with the start-up time (spawn until /healthz answers 200), in ms. */
  async start(env: Record<string, string> = {}): Promise<number> {
    if (this.proc) throw new Error('already started');
    this.proc = await spawnNode(path.join(this.build.dir, 'dist/src/main.js'), {
      cwd: this.build.dir,
      env: { DATA_DIR: this.dataDir, LOG_LEVEL: 'warn', ...env },
      readyPath: '/healthz',
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
  }
}
