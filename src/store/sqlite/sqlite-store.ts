import fs from 'node:fs';
import path from 'node:path';
import DatabaseConstructor, { type Database, type Statement } from 'better-sqlite3';
import type { IndexEntries } from '../../search/index-types.js';
import type { SearchPage, SearchPlan } from '../../search/plan.js';
import {
  VersionConflict,
  type HistoryPage,
  type HistoryQuery,
  type Store,
  type StoredVersion,
  type StoreReader,
  type StoreWriter,
  type WriteVersion,
} from '../types.js';
import { Checkpointer } from './checkpointer.js';
import { IndexRows } from './index-rows.js';
import { migrate } from './schema.js';
import { runSearch } from './search/run-search.js';
import { ParamIds } from './param-ids.js';
import { historyStatements } from '../sql/history-query.js';
import { reindexInBatches } from '../sql/reindex-batches.js';
import { MAX_SEQ } from '../sql/search/paging.js';
import { toStored, type VersionRow } from '../sql/version-rows.js';
import { SqliteWorkflowReader, SqliteWorkflowWriter } from './workflow-rows.js';
import { AUDIT_FILE, moveAuditRowsOut } from './audit-file-schema.js';
import { SqliteAuditTrail } from './audit-trail.js';
import { CurrentVersionCache, key } from './current-version-cache.js';

const SELECT_VERSION = `SELECT r.type, r.id, v.version, v.last_updated, v.method, v.content
  FROM versions v JOIN resources r ON r.rid = v.rid`;

/** Reads over one connection; prepared once. The reader connection's current versions go through a cache. */
class SqliteReader implements StoreReader {
  readonly workflow: SqliteWorkflowReader;
  private readonly current: Statement<[string, string], VersionRow>;
  private readonly byVersion: Statement<[string, string, number], VersionRow>;

  constructor(
    readonly db: Database,
    readonly params: ParamIds,
    private readonly cache?: CurrentVersionCache,
  ) {
    this.current = db.prepare(
      `${SELECT_VERSION} WHERE r.type = ? AND r.id = ? AND v.version = r.version`,
    );
    this.byVersion = db.prepare(`${SELECT_VERSION} WHERE r.type = ? AND r.id = ? AND v.version = ?`);
    this.workflow = this.workflowRows(db);
  }

  protected workflowRows(db: Database): SqliteWorkflowReader {
    return new SqliteWorkflowReader(db);
  }

  async readCurrent(type: string, id: string): Promise<StoredVersion | undefined> {
    return this.cachedCurrent(type, id);
  }

  private cachedCurrent(type: string, id: string): StoredVersion | undefined {
    const hit = this.cache?.get(type, id);
    if (hit) return hit;
    const row = this.current.get(type, id);
    const v = row && toStored(row);
    if (v) this.cache?.set(v);
    return v;
  }

  async readVersion(type: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const row = this.byVersion.get(type, id, versionId);
    return row && toStored(row);
  }

  async readMany(refs: { type: string; id: string }[]): Promise<StoredVersion[]> {
    const out: StoredVersion[] = [];
    for (const ref of refs) {
      const v = this.cachedCurrent(ref.type, ref.id);
      if (v && !v.deleted) out.push(v);
    }
    return out;
  }

  async history(q: HistoryQuery): Promise<HistoryPage> {
    const maxSeq = q.maxSeq ?? (this.db.prepare(MAX_SEQ.sql).get() as { m: number }).m;
    const { count, page } = historyStatements(q, maxSeq);
    const total = (this.db.prepare(count.sql).get(...count.args) as { n: number }).n;
    const rows = this.db.prepare(page.sql).all(...page.args) as VersionRow[];
    return { versions: rows.map(toStored), total, maxSeq };
  }

  async search(plan: SearchPlan): Promise<SearchPage> {
    return runSearch(this.db, this.params, plan);
  }
}

/** Writes over the writer connection, used only inside a transaction (its reads see them, uncached). */
class SqliteWriter extends SqliteReader implements StoreWriter {
  declare readonly workflow: SqliteWorkflowWriter;
  private readonly head: Statement<[string, string], { rid: number; version: number }>;
  private readonly insertResource: Statement<[string, string, number, string, number]>;
  private readonly updateResource: Statement<[number, string, number, number]>;
  private readonly insertVersion: Statement<[number, number, string, string, string | null]>;
  private readonly index: IndexRows;
  private readonly currentOfType: Statement<[string, number, number], { rid: number; content: string | null }>;
  /** Keys written since the last takeWritten(): the reader's cache forgets them at COMMIT. */
  private written = new Set<string>();

  constructor(db: Database, params: ParamIds) {
    super(db, params);
    this.head = db.prepare('SELECT rid, version FROM resources WHERE type = ? AND id = ?');
    this.insertResource = db.prepare(
      'INSERT INTO resources (type, id, version, last_updated, deleted) VALUES (?, ?, ?, ?, ?)',
    );
    this.updateResource = db.prepare(
      'UPDATE resources SET version = ?, last_updated = ?, deleted = ? WHERE rid = ?',
    );
    this.insertVersion = db.prepare(
      'INSERT INTO versions (rid, version, last_updated, method, content) VALUES (?, ?, ?, ?, ?)',
    );
    this.index = new IndexRows(db, params);
    this.currentOfType = db.prepare(
      `SELECT r.rid AS rid, v.content AS content FROM resources r JOIN versions v ON v.rid = r.rid AND v.version = r.version
       WHERE r.type = ? AND r.deleted = 0 AND r.rid > ? ORDER BY r.rid LIMIT ?`,
    );
  }

  protected override workflowRows(db: Database): SqliteWorkflowWriter {
    return new SqliteWorkflowWriter(db);
  }

  /** Reindex up to `limit` current resources of `type` after rid `afterRid` (see Store.reindex). */
  reindexBatch(type: string, afterRid: number, limit: number, extract: (json: string) => IndexEntries): { count: number; lastRid: number } {
    const rows = this.currentOfType.all(type, afterRid, limit);
    for (const row of rows) {
      if (row.content === null) continue;
      this.index.write(type, row.rid, extract(row.content), true);
    }
    return { count: rows.length, lastRid: rows.length ? rows[rows.length - 1].rid : afterRid };
  }

  takeWritten(): Set<string> {
    const keys = this.written;
    this.written = new Set();
    return keys;
  }

  async write(v: WriteVersion): Promise<void> {
    this.written.add(key(v.type, v.id));
    const head = this.head.get(v.type, v.id);
    const actual = head?.version ?? 0;
    if (actual !== v.versionId - 1) throw new VersionConflict(v.type, v.id, v.versionId - 1, actual);
    const deleted = v.json === undefined ? 1 : 0;
    let rid: number;
    if (head) {
      rid = head.rid;
      this.updateResource.run(v.versionId, v.lastUpdated, deleted, rid);
    } else {
      rid = Number(this.insertResource.run(v.type, v.id, v.versionId, v.lastUpdated, deleted).lastInsertRowid);
    }
    this.insertVersion.run(rid, v.versionId, v.lastUpdated, v.method, v.json ?? null);
    // A deleted resource keeps no rows; an update writes only what changed (index-rows.ts).
    if (v.index) this.index.write(v.type, rid, v.index, !!head);
    else if (head) this.index.clear(rid);
  }
}

/** Most transactions committed together in one group. */
const MAX_GROUP = 256;

interface PendingTransaction<T> {
  fn: (tx: StoreWriter) => Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface SqliteOptions {
  /** Directory holding the database file; created when missing. */
  dataDir: string;
  /** Told about trouble the store recovers from by itself (e.g. its checkpoint worker failed). */
  warn?: (message: string) => void;
  /** Bytes of stored JSON the reader keeps of recently read current versions (0: none). */
  readCacheBytes?: number;
}

/** As READ_CACHE_MB by default (config.ts). */
export const DEFAULT_READ_CACHE_BYTES = 16 * 1024 * 1024;

/** WAL pages (~40 MiB) after which the writer checkpoints too: by then the worker has copied most frames, so the writer copies the rest and rewinds the WAL, which only a writer can do. */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;
/** The WAL file is truncated to this size when rewound. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The embedded store: one SQLite file in WAL mode, one writer connection (transactions are
 * serialised and group-committed) and one reader connection that sees committed data only.
 */
export class SqliteStore implements Store {
  private readonly writerDb: Database;
  private readonly readerDb: Database;
  private readonly reader: SqliteReader;
  private readonly writer: SqliteWriter;
  private readonly cache: CurrentVersionCache | undefined;
  private readonly file: string;
  private readonly pending: PendingTransaction<unknown>[] = [];
  private readonly syncing = new Set<Promise<void>>();
  private running = false;
  private scheduled = false;
  private walFd: number | undefined;
  private closing: Promise<void> | undefined;
  private readonly checkpointer: Checkpointer;
  /** In its own file (audit-trail.ts), appended apart from the store's transactions. */
  readonly audit: SqliteAuditTrail;

  constructor(options: SqliteOptions) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    const file = (this.file = path.join(options.dataDir, 'forlob.sqlite'));
    this.writerDb = new DatabaseConstructor(file);
    this.writerDb.pragma('journal_mode = WAL');
    // NORMAL: COMMIT does not fsync; runBatch fdatasyncs the WAL off the event loop before any
    // write is acknowledged (SQLite still syncs around checkpoints).
    this.writerDb.pragma('synchronous = NORMAL');
    this.writerDb.pragma('foreign_keys = OFF');
    this.writerDb.pragma('busy_timeout = 5000');
    // Each transaction runs in a SAVEPOINT, whose sub-journal (the original content of the pages it
    // changes) SQLite otherwise writes to a temporary file: pwrite calls on the write path. It holds
    // one transaction's pages and is dropped at RELEASE, so memory is the right place for it.
    this.writerDb.pragma('temp_store = MEMORY');
    // Checkpoints run on a worker thread (checkpointer.ts); the writer's own automatic checkpoint is
    // only a backstop should the worker fall far behind, and takes over if the worker fails.
    this.writerDb.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    // SQLite rewinds the WAL after a complete checkpoint but never shrinks the file unless told to.
    this.writerDb.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    const auditFile = path.join(options.dataDir, AUDIT_FILE);
    this.audit = new SqliteAuditTrail(auditFile);
    moveAuditRowsOut(this.writerDb, auditFile);
    migrate(this.writerDb);
    this.readerDb = new DatabaseConstructor(file, { readonly: true });
    this.readerDb.pragma('busy_timeout = 5000');
    const params = new ParamIds();
    const cacheBytes = options.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES;
    this.cache = cacheBytes > 0 ? new CurrentVersionCache(cacheBytes) : undefined;
    this.reader = new SqliteReader(this.readerDb, params, this.cache);
    this.writer = new SqliteWriter(this.writerDb, params);
    this.checkpointer = new Checkpointer({
      file,
      onFailure: (message) => {
        this.writerDb.pragma('wal_autocheckpoint = 1000');
        options.warn?.(`${message}; checkpoints now run in the writer`);
      },
    });
  }

  readCurrent(type: string, id: string) {
    return this.reader.readCurrent(type, id);
  }
  readVersion(type: string, id: string, versionId: number) {
    return this.reader.readVersion(type, id, versionId);
  }
  readMany(refs: { type: string; id: string }[]) {
    return this.reader.readMany(refs);
  }
  history(query: HistoryQuery) {
    return this.reader.history(query);
  }
  search(plan: SearchPlan) {
    return this.reader.search(plan);
  }
  get workflow() {
    return this.reader.workflow;
  }

  /**
   * Group commit. Transactions queue up while the event loop handles I/O; each batch runs them one
   * after another, each in its own SAVEPOINT (one failing rolls back only itself), commits once, then
   * makes the WAL durable with an fdatasync on the thread pool, so the event loop keeps serving
   * reads meanwhile. No transaction's promise resolves before its data is on disk.
   */
  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve, reject } as PendingTransaction<unknown>);
      if (!this.running) this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: requests that arrived meanwhile join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.runBatch();
    });
  }

  private async runBatch(): Promise<void> {
    if (this.running || this.pending.length === 0) return;
    this.running = true;
    const batch = this.pending.splice(0, MAX_GROUP);
    const results: Settled[] = [];
    try {
      this.writerDb.exec('BEGIN IMMEDIATE');
      for (const item of batch) results.push(await this.runInSavepoint(item.fn));
      this.writerDb.exec('COMMIT');
      // Before anything else runs: from here on the reader connection sees the new versions.
      this.cache?.forget(this.writer.takeWritten());
      this.writer.params.commit();
      this.checkpointer.committed();
    } catch (err) {
      // The batch as a whole failed (busy database, disk full, a savepoint lost): nothing of it
      // was committed, so every transaction in it fails.
      if (this.writerDb.inTransaction) this.writerDb.exec('ROLLBACK');
      // Nothing changed, but should COMMIT itself have failed halfway, forgetting is the safe side.
      this.cache?.forget(this.writer.takeWritten());
      this.writer.params.forgetUncommitted();
      for (const item of batch) item.reject(err);
      this.finishBatch();
      return;
    }
    const durable = this.syncWal();
    this.syncing.add(durable);
    this.finishBatch();
    try {
      await durable;
      batch.forEach((item, i) => {
        const r = results[i];
        if (r.ok) item.resolve(r.value);
        else item.reject(r.error);
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
    } finally {
      this.syncing.delete(durable);
    }
  }

  private finishBatch(): void {
    this.running = false;
    if (this.pending.length) this.schedule();
  }

  /** fdatasync the WAL: commits run with synchronous=NORMAL, so this is what makes them durable. */
  private syncWal(): Promise<void> {
    const fd = this.walFile();
    return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  private walFile(): number {
    this.walFd ??= fs.openSync(`${this.file}-wal`, 'r+');
    return this.walFd;
  }

  private async runInSavepoint(fn: (tx: StoreWriter) => Promise<unknown>): Promise<Settled> {
    this.writerDb.exec('SAVEPOINT tx');
    const mark = this.writer.params.mark();
    try {
      const value = await fn(this.writer);
      this.writerDb.exec('RELEASE tx');
      return { ok: true, value };
    } catch (error) {
      if (!this.writerDb.inTransaction) throw error;
      this.writerDb.exec('ROLLBACK TO tx');
      this.writerDb.exec('RELEASE tx');
      this.writer.params.forgetSince(mark);
      return { ok: false, error };
    }
  }

  reindex(type: string, extract: (json: string) => IndexEntries, batchSize = 500): Promise<number> {
    // Each batch is a transaction of its own (group-committed with whatever else is queued).
    return reindexInBatches((after, size) => this.transaction(async () => this.writer.reindexBatch(type, after, size, extract)), batchSize);
  }

  /** Once: a second call waits for the first. (A file descriptor closed twice may by then be another's.) */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    while (this.running || this.scheduled || this.pending.length || this.syncing.size) {
      await Promise.all(this.syncing);
      await new Promise((r) => setImmediate(r));
    }
    await this.checkpointer.close();
    await this.audit.close();
    if (this.walFd !== undefined) fs.closeSync(this.walFd);
    this.walFd = undefined;
    this.readerDb.close();
    this.writerDb.close();
  }
}
