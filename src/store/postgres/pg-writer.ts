import type { PoolClient } from 'pg';
import type { IndexEntries } from '../../search/index-types.js';
import type { SearchPage, SearchPlan } from '../../search/plan.js';
import type { DateStatsOfVersion } from '../sql/index-columns.js';
import { VersionConflict, type StoreWriter, type WriteVersion } from '../types.js';
import { CatalogSnapshot, catalogKey, type PgCatalog } from './catalog.js';
import { PgIndexRows } from './index-rows.js';
import { PgReader } from './pg-reader.js';
import { runPgSearch } from './pg-search.js';
import { PgWorkflowWriter } from './workflow-rows.js';

/*
 * Writes inside one PostgreSQL transaction (REPEATABLE READ or SERIALIZABLE, see pg-store.ts). Optimistic
 * locking: the head row is read FOR UPDATE and the version must be exactly current + 1, else
 * VersionConflict; a concurrent transaction on the same resource makes one of the two fail to serialize,
 * and the store runs it again.
 */
export class PgWriter extends PgReader implements StoreWriter {
  declare readonly workflow: PgWorkflowWriter;
  private readonly index: PgIndexRows;
  /** Parameter ids this transaction created or looked up beyond the node's catalogue copy. */
  private readonly localPids = new Map<string, number>();
  /** Set when this transaction added a parameter or widened date statistics (catalog_state is bumped). */
  private catalogChanged = false;
  /**
   * The first database error of the transaction. Code that catches an error inside the transaction leaves
   * it aborted, and whether to run it again depends on why it aborted.
   */
  failure: unknown;
  /** Set when a search was asked for in a REPEATABLE READ transaction: the store runs it again SERIALIZABLE. */
  needsSerializable = false;

  constructor(
    client: PoolClient,
    private readonly catalog: PgCatalog,
    private readonly serializable: boolean,
  ) {
    super(async (name, text, values) => {
      try {
        return await client.query(name ? { name, text, values } : { text, values });
      } catch (err) {
        this.failure ??= err;
        throw err;
      }
    }, catalog);
    this.index = new PgIndexRows(this.query, (type, code) => this.pidFor(type, code));
  }

  protected override workflowRows() {
    return new PgWorkflowWriter(this.query);
  }

  override async search(plan: SearchPlan): Promise<SearchPage> {
    // A write decided by a search (conditional create, a trigger finding a patient's courses) is only safe
    // when PostgreSQL also checks the predicate it read: snapshot isolation would let two such transactions
    // each miss the other's insert.
    if (!this.serializable) {
      this.needsSerializable = true;
      throw new Error('A search inside a REPEATABLE READ transaction: the transaction runs again SERIALIZABLE');
    }
    // The transaction's own new parameters and statistics count: read the catalogue in its snapshot.
    const catalog = this.catalogChanged ? await CatalogSnapshot.load(this.query, Number.MAX_SAFE_INTEGER) : await this.catalog.at(this.query);
    return runPgSearch(this.query, catalog, plan);
  }

  async write(v: WriteVersion): Promise<void> {
    const { rows } = await this.query<{ rid: number; version: number }>(
      'w_head',
      'SELECT rid, version FROM resources WHERE type = $1 AND id = $2 FOR UPDATE',
      [v.type, v.id],
    );
    const head = rows[0];
    const actual = head?.version ?? 0;
    if (actual !== v.versionId - 1) throw new VersionConflict(v.type, v.id, v.versionId - 1, actual);
    const deleted = v.json === undefined ? 1 : 0;
    let rid: number;
    if (head) {
      rid = head.rid;
      await this.query('w_update_head', 'UPDATE resources SET version = $1, last_updated = $2, deleted = $3 WHERE rid = $4', [
        v.versionId,
        v.lastUpdated,
        deleted,
        rid,
      ]);
    } else {
      const inserted = await this.query<{ rid: number }>(
        'w_insert_head',
        'INSERT INTO resources (type, id, version, last_updated, deleted) VALUES ($1, $2, $3, $4, $5) RETURNING rid',
        [v.type, v.id, v.versionId, v.lastUpdated, deleted],
      );
      rid = inserted.rows[0].rid;
    }
    await this.query('w_insert_version', 'INSERT INTO versions (rid, version, last_updated, method, content) VALUES ($1, $2, $3, $4, $5)', [
      rid,
      v.versionId,
      v.lastUpdated,
      v.method,
      v.json ?? null,
    ]);
    if (v.index) await this.widen(await this.index.write(v.type, rid, v.index, !!head));
    else if (head) await this.index.clear(rid);
  }

  /** Reindex up to `limit` current resources of `type` after rid `afterRid` (see Store.reindex). */
  async reindexBatch(type: string, afterRid: number, limit: number, extract: (json: string) => IndexEntries): Promise<{ count: number; lastRid: number }> {
    const { rows } = await this.query<{ rid: number; content: string | null }>(
      'w_current_of_type',
      `SELECT r.rid, v.content FROM resources r JOIN versions v ON v.rid = r.rid AND v.version = r.version
       WHERE r.type = $1 AND r.deleted = 0 AND r.rid > $2 ORDER BY r.rid LIMIT $3`,
      [type, afterRid, limit],
    );
    for (const row of rows) {
      if (row.content !== null) await this.widen(await this.index.write(type, row.rid, extract(row.content), true));
    }
    return { count: rows.length, lastRid: rows.length ? rows[rows.length - 1].rid : afterRid };
  }

  /** Before COMMIT: tell other nodes (and this one) that the catalogue changed. */
  async beforeCommit(): Promise<void> {
    if (this.catalogChanged) await this.query('w_bump_catalog', 'UPDATE catalog_state SET version = version + 1 WHERE id = 1', []);
  }

  private async pidFor(type: string, code: string): Promise<number> {
    const key = catalogKey(type, code);
    const known = this.catalog.latest.pid(type, code) ?? this.localPids.get(key);
    if (known !== undefined) return known;
    const inserted = await this.query<{ pid: number }>(
      'w_insert_param',
      'INSERT INTO search_param (type, code) VALUES ($1, $2) ON CONFLICT (type, code) DO NOTHING RETURNING pid',
      [type, code],
    );
    let pid = inserted.rows[0]?.pid;
    if (pid === undefined) {
      const found = await this.query<{ pid: number }>('w_param', 'SELECT pid FROM search_param WHERE type = $1 AND code = $2', [type, code]);
      pid = found.rows[0].pid;
    } else {
      this.catalogChanged = true;
    }
    this.localPids.set(key, pid);
    return pid;
  }

  /** Widen date_stats where this version goes beyond what the catalogue knows (only ever widened). */
  private async widen(stats: Map<number, DateStatsOfVersion>): Promise<void> {
    for (const [pid, st] of stats) {
      const known = this.catalog.latest.dateStats(pid);
      if (known && st.rows <= known.maxRows && st.min >= known.minSpan && st.max <= known.maxSpan && (st.open === 0 || known.open)) continue;
      const { rowCount } = await this.query(
        'w_widen_dates',
        `INSERT INTO date_stats AS d (pid, max_rows, min_span, max_span, open) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (pid) DO UPDATE SET max_rows = GREATEST(d.max_rows, excluded.max_rows), min_span = LEAST(d.min_span, excluded.min_span),
           max_span = GREATEST(d.max_span, excluded.max_span), open = GREATEST(d.open, excluded.open)
         WHERE excluded.max_rows > d.max_rows OR excluded.min_span < d.min_span OR excluded.max_span > d.max_span OR excluded.open > d.open`,
        [pid, st.rows, st.min, st.max, st.open],
      );
      if ((rowCount ?? 0) > 0) this.catalogChanged = true;
    }
  }
}
