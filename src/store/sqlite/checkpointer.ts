// WAL checkpoints on a worker thread, so that copying pages back into the database file (and its
// fsync) never runs inside a COMMIT on the event loop.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * At most one checkpoint request per this many ms while writes go on. (The WAL file's size tells
 * nothing: SQLite rewinds it rather than shrinking it.) A passive checkpoint with little to copy
 * is cheap, and it runs on the worker's core.
 */
const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Runs in the worker: its own connection to the file; `PRAGMA wal_checkpoint(PASSIVE)` copies what
 * it can without waiting for (or blocking) the writer and the readers. Plain CommonJS source, so
 * it runs the same from the compiled server and from TypeScript under the test runner.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message ? err.message : err) });
  }
});
`;

export interface CheckpointerOptions {
  /** The database file (WAL mode). */
  file: string;
  /** Told when a checkpoint failed or the worker died; the writer's own checkpoints then take over. */
  onFailure(message: string): void;
}

/**
 * One worker thread that checkpoints the WAL when asked. `committed()` is called by the writer after
 * each commit; at most one checkpoint runs at a time, and a request that arrives meanwhile runs
 * right after it.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private running = false;
  private again = false;
  private lastRequestedAt = 0;
  private failed = false;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: CheckpointerOptions) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: options.file, driver } });
    this.worker.unref();
    this.worker.on('message', (msg: { ok: boolean; error?: string }) => {
      this.running = false;
      if (!msg.ok) this.fail(`WAL checkpoint failed: ${msg.error}`);
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
    this.worker.on('error', (err) => this.fail(`WAL checkpoint worker failed: ${err.message}`));
  }

  /** Something was committed: checkpoint soon. */
  committed(): void {
    const now = Date.now();
    if (now - this.lastRequestedAt < CHECKPOINT_INTERVAL_MS) return;
    this.lastRequestedAt = now;
    this.request();
  }

  /** Whether checkpoints run here; false after a failure. */
  get healthy(): boolean {
    return !this.failed;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      // Held by the event loop until it has exited: a process must not end under a closing connection.
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('close');
    });
    return this.closed;
  }

  private request(): void {
    if (this.failed || this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.worker.postMessage('checkpoint');
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.options.onFailure(message);
  }
}
