import type { Database, Statement } from 'better-sqlite3';
import type { IndexEntries } from '../../search/index-types.js';
import type { ParamIds } from './param-ids.js';
import { dateStatsByCode, INDEX_COLUMNS, INDEX_TABLES, indexRowsOf, type IndexTableName, type IndexValue } from '../sql/index-columns.js';

/*
 * The search index rows of one resource in the idx_* tables. A new resource gets all its rows; an update writes
 * only the difference to the rows it had (a status change touches one row, not the thirty of a CarePlan, and
 * dirties a handful of index pages instead of every page the resource's rows live on).
 */

export class IndexRows {
  private readonly insert: Record<IndexTableName, Statement>;
  private readonly select: Record<IndexTableName, Statement<[number], { rowid: number; values: string }>>;
  private readonly deleteRow: Record<IndexTableName, Statement<[number]>>;
  private readonly deleteAll: Record<IndexTableName, Statement<[number]>>;
  private readonly widenDateStats: Statement<[number, number, number, number, number]>;

  constructor(
    private readonly db: Database,
    private readonly params: ParamIds,
  ) {
    const each = <T>(make: (t: IndexTableName, cols: string[]) => T) => Object.fromEntries(INDEX_TABLES.map((t) => [t, make(t, INDEX_COLUMNS[t])])) as Record<IndexTableName, T>;
    this.insert = each((t, cols) => db.prepare(`INSERT INTO idx_${t} (pid, ${cols.join(', ')}, rid) VALUES (?, ${cols.map(() => '?').join(', ')}, ?)`));
    // json_array gives the row's values in one comparable text (numbers as SQLite prints them, like JSON does).
    this.select = each((t, cols) => db.prepare(`SELECT rowid, json_array(pid, ${cols.join(', ')}) AS "values" FROM idx_${t} WHERE rid = ?`));
    this.deleteRow = each((t) => db.prepare(`DELETE FROM idx_${t} WHERE rowid = ?`));
    this.deleteAll = each((t) => db.prepare(`DELETE FROM idx_${t} WHERE rid = ?`));
    // date_stats (schema.ts, migration 3): only ever widened, and only written when it changes.
    this.widenDateStats = db.prepare(
      `INSERT INTO date_stats (pid, max_rows, min_span, max_span, open) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (pid) DO UPDATE SET max_rows = max(max_rows, excluded.max_rows), min_span = min(min_span, excluded.min_span),
         max_span = max(max_span, excluded.max_span), open = max(open, excluded.open)
       WHERE excluded.max_rows > max_rows OR excluded.min_span < min_span OR excluded.max_span > max_span OR excluded.open > open`,
    );
  }

  /** Remove every row of a resource (a delete). */
  clear(rid: number): void {
    for (const t of INDEX_TABLES) this.deleteAll[t].run(rid);
  }

  /** Make the resource's rows exactly `index`; `existing` false for a resource that has none yet. */
  write(type: string, rid: number, index: IndexEntries, existing: boolean): void {
    for (const t of INDEX_TABLES) {
      const rows = indexRowsOf(index, t).map(([code, ...values]) => [this.params.idFor(this.db, type, code), ...values] as IndexValue[]);
      if (!existing) {
        for (const r of rows) this.insert[t].run(...r, rid);
        continue;
      }
      // Multiset difference between the stored rows and the new ones, by their value text.
      const stored = new Map<string, number[]>();
      for (const { rowid, values } of this.select[t].all(rid)) {
        const ids = stored.get(values);
        if (ids) ids.push(rowid);
        else stored.set(values, [rowid]);
      }
      for (const r of rows) {
        const ids = stored.get(JSON.stringify(r));
        if (ids?.length) ids.pop();
        else this.insert[t].run(...r, rid);
      }
      for (const ids of stored.values()) for (const rowid of ids) this.deleteRow[t].run(rowid);
    }
    this.widenDates(type, index);
  }

  private widenDates(type: string, index: IndexEntries): void {
    for (const [code, st] of dateStatsByCode(index)) {
      this.widenDateStats.run(this.params.idFor(this.db, type, code), st.rows, st.min, st.max, st.open);
    }
  }
}
