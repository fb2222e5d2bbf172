// Audit rows appended by a worker thread with its own connection to the audit file, so the SQL, the
// FTS5 index upkeep, the fsync and the checkpoints of the trail never run on the event loop.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { INDEXED_PATIENT } from './audit-file-schema.js';

/** Rows per INSERT statement. */
const CHUNK = 100;

/**
 * What `append` takes per row, in this order. Eleven bound columns cost 2.7–3.0 µs per row, one JSON
 * text 1.0 (500,000 rows in batches of 2,000, measured here); the trail is written far more than read.
 */
const APPENDED_COLUMNS = ['recorded', 'patient', 'entry'];

/**
 * Runs in the worker. One transaction per batch, synchronous=FULL: the WAL is fsynced before the batch
 * is acknowledged. Seqs of a multi-row INSERT are consecutive (INTEGER PRIMARY KEY, one writer), so the
 * FTS5 entries are keyed from the last one. Plain CommonJS source, so it runs the same from the
 * compiled server and from TypeScript under the test runner.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const patient = new RegExp(workerData.indexedPatient);
const statements = new Map();
const cached = (sql) => {
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
};
const rowsInsert = (n) => cached(workerData.insertHead + Array(n).fill(workerData.rowPlaceholders).join(', '));
const idsInsert = (n) => cached('INSERT INTO audit_patient (rowid, patient_id) VALUES ' + Array(n).fill('(?, ?)').join(', '));
const append = db.transaction((rows) => {
  for (let i = 0; i < rows.length; i += workerData.chunk) {
    const chunk = rows.slice(i, i + workerData.chunk);
    const first = Number(rowsInsert(chunk.length).run(...chunk.flat()).lastInsertRowid) - chunk.length + 1;
    const ids = [];
    chunk.forEach((values, k) => {
      const v = values[workerData.patientColumn];
      const m = typeof v === 'string' ? patient.exec(v) : null;
      if (m) ids.push(first + k, m[1]);
    });
    if (ids.length) idsInsert(ids.length / 2).run(...ids);
  }
});
parentPort.on('message', (msg) => {
  if (msg.kind === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    append(msg.rows);
    parentPort.postMessage({ id: msg.id, ok: true });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String(err && err.message ? err.message : err) });
  }
});
`;

interface Waiting {
  worker: Worker;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The event loop's side of the worker: `append` posts a batch of rows (values in APPENDED_COLUMNS
 * order) and resolves once the worker committed it. A worker that died fails what it held and is
 * started again by the next append.
 */
export class AuditAppender {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly file: string) {}

  append(rows: unknown[][]): Promise<void> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { worker, resolve, reject });
      worker.postMessage({ kind: 'append', id, rows });
    });
    this.inFlight.add(done);
    const forget = () => void this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  /** Wait for the batches in flight, then stop the worker. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    // Held by the event loop until it has exited: a process must not end under the last batches
    // or a closing connection.
    worker.ref();
    await Promise.allSettled([...this.inFlight]);
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'close' });
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: this.file,
        chunk: CHUNK,
        insertHead: `INSERT INTO audit_log (${APPENDED_COLUMNS.join(', ')}) VALUES `,
        rowPlaceholders: `(${APPENDED_COLUMNS.map(() => '?').join(', ')})`,
        patientColumn: APPENDED_COLUMNS.indexOf('patient'),
        indexedPatient: INDEXED_PATIENT.source,
      },
    });
    worker.unref();
    worker.on('message', (msg: { id: number; ok: boolean; error?: string }) => {
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (msg.ok) w?.resolve();
      else w?.reject(new Error(msg.error));
    });
    worker.on('error', (err) => this.failAll(worker, err));
    worker.on('exit', (code) => this.failAll(worker, new Error(`the audit writer thread stopped (exit code ${code})`)));
    return worker;
  }

  private failAll(worker: Worker, err: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, w] of this.waiting) {
      if (w.worker !== worker) continue;
      this.waiting.delete(id);
      w.reject(err);
    }
  }
}
