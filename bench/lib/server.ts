import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnServer, waitForExit, type ServerProcess } from '../../test/support/process.js';
import { processMemory } from './machine.js';

/** The built server (dist/src/main.js) on its own temporary data directory. */
export class BenchServer {
  readonly dataDir: string;
  private proc?: ServerProcess;

  /** False for a directory this class did not create (never removed). */
  readonly owned: boolean;

  private constructor(dataDir: string, owned: boolean) {
    this.dataDir = dataDir;
    this.owned = owned;
  }

  /** An existing data directory (e.g. kept by an earlier run); `remove()` leaves it alone. */
  static existing(dataDir: string): BenchServer {
    if (!fs.existsSync(path.join(dataDir, 'forlob.sqlite'))) throw new Error(`${dataDir} holds no forlob.sqlite`);
    return new BenchServer(path.resolve(dataDir), false);
  }

  /** A fresh, empty data directory (under the OS temp dir). */
  static fresh(label: string): BenchServer {
    return new BenchServer(fs.mkdtempSync(path.join(os.tmpdir(), `forlob-bench-${label}-`)), true);
  }

  /** Start the server; resolves with the start-up time (spawn until /healthz answers 200), in ms. */
  async start(env: Record<string, string> = {}): Promise<number> {
    if (this.proc) throw new Error('already started');
    this.proc = await spawnServer(this.dataDir, await freePort(), env);
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
    if (!this.proc) throw new Error('not started');
    return this.proc.base;
  }

  memory(): { rssMiB?: number; peakRssMiB?: number } {
    return this.proc?.child.pid !== undefined ? processMemory(this.proc.child.pid) : {};
  }

  /** SIGTERM and wait (SIGKILL after 15 s). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    const killer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
    proc.child.kill('SIGTERM');
    await waitForExit(proc.child);
    clearTimeout(killer);
  }

  sqliteFile(): string {
    return path.join(this.dataDir, 'forlob.sqlite');
  }

  remove(): void {
    if (!this.owned) return;
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
