import pg from 'pg';
import type { IndexEntries } from '../../search/index-types.js';
import type { SearchPage, SearchPlan } from '../../search/plan.js';
import type { HistoryQuery, Store, StoreWriter } from '../types.js';
import { reindexInBatches } from '../sql/reindex-batches.js';
import { PgCatalog } from './catalog.js';
import { isRetryable, translate } from './errors.js';
import { PgAuditTrail } from './audit-rows.js';
import { PgReader } from './pg-reader.js';
import { searchInOneStatement, searchInSnapshot } from './pg-search.js';
import { PgWriter } from './pg-writer.js';
import { migrate } from './schema.js';
import type { Query } from './query.js';

export interface PgOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** An optional read replica for searches and history (reads that tolerate replication lag). */
  readUrl?: string;
  /** Most connections per pool (default 10). */
  poolSize?: number;
  /** Statements running longer are cancelled (StoreTimeout); 0 or absent: never. */
  statementTimeoutMs?: number;
  warn?: (message: string) => void;
}

/** Attempts of a transaction that keeps failing to serialize before the failure is reported. */
const MAX_ATTEMPTS = 12;
/**
 * From this attempt on, a transaction runs alone: every write transaction holds the advisory lock
 * WRITE_LOCK shared, a retrying one takes it exclusively (waiting for those in flight, holding back new
 * ones), so it cannot conflict again. Large transactions (a 300-entry Bundle) would otherwise keep
 * failing against each other: their predicate locks grow coarse and every concurrent insert collides.
 * The exclusive lock is a session lock taken before BEGIN: a SERIALIZABLE transaction's snapshot is
 * fixed by its first statement, so a lock awaited inside the transaction would leave it reading the
 * database as it was before the writers it waited for, and it would fail again (measured: of 300
 * creates 32 at a time, 2 failed all 12 attempts that way; test/integration/rest-concurrent-writes).
 */
const EXCLUSIVE_FROM_ATTEMPT = 3;
const WRITE_LOCK = 0x466f7277; // "Forw"
/** How long to wait for a free connection or a new one before the database counts as unavailable. */
const CONNECT_TIMEOUT_MS = 5000;

/** int8 (counts, rids, sequence numbers) as JS numbers: every value the store keeps is below 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function pool(url: string, size: number, warn: (m: string) => void, statementTimeoutMs = 0): pg.Pool {
  const p = new pg.Pool({
    connectionString: url,
    max: size,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'forlob',
    // Queries written without waiting for the previous answer (a search sends BEGIN, the catalogue version
    // and its first query at once: pg-search.ts). Each query still gets its own answer or error.
    pipeline: true,
    types,
  });
  // An idle connection dropped by the server (restart, failover) must not crash the process; the pool
  // opens a new one when next needed, so the server recovers once the database is back.
  p.on('error', (err) => warn(`PostgreSQL connection lost: ${err.message}`));
  // Named statements (placeholders.ts) keep one generic plan per connection. Left to choose, PostgreSQL
  // re-plans a string-prefix search on every call (its range makes the generic estimate look dearer),
  // paying ~0.4 ms of planning for ~0.1 ms of work, though both plans are the same. The compiler fixes
  // each search's shape, so the generic plan is the one SQLite runs too. A database without the setting
  // (before PostgreSQL 12) keeps its default.
  p.on('connect', (client) => {
    client.query('SET plan_cache_mode = force_generic_plan').catch((err: Error) => warn(`plan_cache_mode not set: ${err.message}`));
    // A query that runs away is cancelled: the request gets an OperationOutcome and the connection is free again.
    if (statementTimeoutMs > 0) client.query(`SET statement_timeout = ${Math.floor(statementTimeoutMs)}`).catch((err: Error) => warn(`statement_timeout not set: ${err.message}`));
  });
  return p;
}

/** Reads outside a transaction: single statements on the pool, searches in one statement or a read-only snapshot. */
class PoolReader extends PgReader {
  constructor(
    private readonly pool: pg.Pool,
    catalog: PgCatalog,
  ) {
    const query: Query = async (name, text, values) => {
      try {
        return await pool.query(name ? { name, text, values } : { text, values });
      } catch (err) {
        throw translate(err);
      }
    };
    super(query, catalog);
  }

  /** Single statements on the pool. */
  get statements(): Query {
    return this.query;
  }

  async search(plan: SearchPlan): Promise<SearchPage> {
    const client = await this.connect();
    try {
      const query: Query = (name, text, values) => client.query(name ? { name, text, values } : { text, values });
      const quick = await searchInOneStatement(query, this.catalogs, plan);
      if (quick) return quick;
      const page = await searchInSnapshot(query, this.catalogs, plan);
      await client.query('COMMIT');
      return page;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw translate(err);
    } finally {
      client.release();
    }
  }

  async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw translate(err);
    }
  }
}

/**
 * The production store: PostgreSQL through a connection pool, for one or many stateless server nodes
 * sharing one database. A write transaction starts REPEATABLE READ: what it reads by id and then writes
 * is locked FOR UPDATE and version-checked, and a row another transaction changed since the snapshot fails
 * it, so reads by id and writes serialize without predicate locks. SERIALIZABLE's page-level predicate
 * locks made neighbouring updates fail each other (2,560 If-Match updates of distinct resources, 16 at
 * a time: ~2,500 rollbacks, 293 updates/s; REPEATABLE READ: none, 498/s). A transaction that searches
 * (conditional writes, workflow triggers, $apply) is run again SERIALIZABLE from the start, so the
 * predicate it read holds against every other searching transaction. A serialization failure (or
 * deadlock, or a concurrent insert of the same key) runs the transaction again with a short random
 * back-off, never surfacing as an error unless it persists.
 */
export class PgStore implements Store {
  private readonly primary: pg.Pool;
  private readonly replica?: pg.Pool;
  private readonly catalog = new PgCatalog();
  private readonly reader: PoolReader;
  private readonly searchReader: PoolReader;
  /** On the primary: appends, and reads that see them at once. */
  readonly audit: PgAuditTrail;

  constructor(options: PgOptions) {
    const warn = options.warn ?? (() => undefined);
    const size = options.poolSize ?? 10;
    this.primary = pool(options.url, size, warn, options.statementTimeoutMs);
    this.reader = new PoolReader(this.primary, this.catalog);
    this.audit = new PgAuditTrail(this.reader.statements);
    if (options.readUrl) {
      this.replica = pool(options.readUrl, size, warn, options.statementTimeoutMs);
      // The replica has its own catalogue version: its own copy.
      this.searchReader = new PoolReader(this.replica, new PgCatalog());
    } else {
      this.searchReader = this.reader;
    }
  }

  /** Run the schema migrations (safe when several nodes start at once). */
  async ready(): Promise<void> {
    const client = await this.reader.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
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
    return this.searchReader.history(query);
  }
  search(plan: SearchPlan) {
    return this.searchReader.search(plan);
  }
  get workflow() {
    return this.reader.workflow;
  }

  async transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    let serializable = false;
    for (let attempt = 1; ; attempt++) {
      const client = await this.reader.connect();
      const writer = new PgWriter(client, this.catalog, serializable);
      const alone = attempt >= EXCLUSIVE_FROM_ATTEMPT;
      const begin = `BEGIN ISOLATION LEVEL ${serializable ? 'SERIALIZABLE' : 'REPEATABLE READ'}`;
      let broken: Error | undefined;
      try {
        if (alone) {
          await client.query(`SELECT pg_advisory_lock(${WRITE_LOCK})`);
          await client.query(begin);
        } else {
          // One round trip (simple protocol, no parameters): begin and take the write lock.
          await client.query(`${begin}; SELECT pg_advisory_xact_lock_shared(${WRITE_LOCK})`);
        }
        const value = await fn(writer);
        // Also when `fn` caught the refusal itself: what it decided without the search must not commit.
        if (writer.needsSerializable) throw new Error('escalate');
        await writer.beforeCommit();
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (writer.needsSerializable) {
          // Not a failure: the first attempt learnt that this transaction searches.
          serializable = true;
          attempt--;
          continue;
        }
        if (isRetryable(writer.failure ?? err) && attempt < MAX_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 7)));
          continue;
        }
        throw translate(err);
      } finally {
        // A session lock outlives the transaction: a connection that cannot drop it must not go back to the pool.
        if (alone) await client.query(`SELECT pg_advisory_unlock(${WRITE_LOCK})`).catch((e: Error) => (broken = e));
        client.release(broken);
      }
    }
  }

  reindex(type: string, extract: (json: string) => IndexEntries, batchSize = 500): Promise<number> {
    return reindexInBatches((after, size) => this.transaction((tx) => (tx as PgWriter).reindexBatch(type, after, size, extract)), batchSize);
  }

  async close(): Promise<void> {
    await this.primary.end();
    await this.replica?.end();
  }
}
