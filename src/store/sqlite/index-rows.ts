import type { Database, Statement } from 'better-sqlite3';
import type { IndexEntries } from '../../search/index-types.js';
import { MAX_DATE, MIN_DATE } from '../../search/normalize.js';
import type { ParamIds } from './param-ids.js';

/*
 * The search index rows of one resource in the idx_* tables. A new resource gets all its rows; an update writes
 * only the difference to the rows it had (a status change touches one row, not the thirty of a CarePlan, and
 * dirties a handful of index pages instead of every page the resource's rows live on).
 */

type Value = string | number | null;
type Table = keyof IndexEntries;

/** Each table's columns after pid, in the order the rows below produce them. */
const COLUMNS: Record<Table, string[]> = {
  token: ['value', 'system'],
  string: ['norm', 'exact'],
  date: ['lo', 'hi'],
  number: ['lo', 'hi', 'value'],
  quantity: ['lo', 'hi', 'value', 'system', 'unit'],
  reference: ['target_type', 'target_id', 'url'],
  uri: ['value'],
  composite: ['s1', 'v1', 'n1', 'lo1', 'hi1', 's2', 'v2', 'n2', 'lo2', 'hi2', 's3', 'v3', 'n3', 'lo3', 'hi3'],
};
const TABLES = Object.keys(COLUMNS) as Table[];

/** [code, ...column values] of every row of a table, from the extracted index. */
function rowsOf(index: IndexEntries, table: Table): [string, ...Value[]][] {
  switch (table) {
    case 'token': return index.token.map((r) => [r.code, r.value, r.system]);
    case 'string': return index.string.map((r) => [r.code, r.norm, r.exact]);
    case 'date': return index.date.map((r) => [r.code, r.lo, r.hi]);
    case 'number': return index.number.map((r) => [r.code, r.lo, r.hi, r.value]);
    case 'quantity': return index.quantity.map((r) => [r.code, r.lo, r.hi, r.value, r.system, r.unit]);
    case 'reference': return index.reference.map((r) => [r.code, r.targetType, r.targetId, r.url]);
    case 'uri': return index.uri.map((r) => [r.code, r.value]);
    case 'composite':
      return (index.composite ?? []).map((r) => {
        const cols: Value[] = [];
        for (let i = 0; i < 3; i++) {
          const p = r.parts[i];
          cols.push(p?.s ?? null, p?.v ?? null, p?.n ?? null, p?.lo ?? null, p?.hi ?? null);
        }
        return [r.code, ...cols];
      });
  }
}

export class IndexRows {
  private readonly insert: Record<Table, Statement>;
  private readonly select: Record<Table, Statement<[number], { rowid: number; values: string }>>;
  private readonly deleteRow: Record<Table, Statement<[number]>>;
  private readonly deleteAll: Record<Table, Statement<[number]>>;
  private readonly widenDateStats: Statement<[number, number, number, number, number]>;

  constructor(
    private readonly db: Database,
    private readonly params: ParamIds,
  ) {
    const each = <T>(make: (t: Table, cols: string[]) => T) => Object.fromEntries(TABLES.map((t) => [t, make(t, COLUMNS[t])])) as Record<Table, T>;
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
    for (const t of TABLES) this.deleteAll[t].run(rid);
  }

  /** Make the resource's rows exactly `index`; `existing` false for a resource that has none yet. */
  write(type: string, rid: number, index: IndexEntries, existing: boolean): void {
    for (const t of TABLES) {
      const rows = rowsOf(index, t).map(([code, ...values]) => [this.params.idFor(this.db, type, code), ...values] as Value[]);
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
    const stats = new Map<number, { rows: number; min: number; max: number; open: number }>();
    for (const r of index.date) {
      const p = this.params.idFor(this.db, type, r.code);
      let st = stats.get(p);
      if (!st) stats.set(p, (st = { rows: 0, min: 0, max: 0, open: 0 }));
      st.rows++;
      if (r.lo > MIN_DATE && r.hi < MAX_DATE) {
        st.min = Math.min(st.min, r.hi - r.lo);
        st.max = Math.max(st.max, r.hi - r.lo);
      } else {
        st.open = 1;
      }
    }
    for (const [p, st] of stats) this.widenDateStats.run(p, st.rows, st.min, st.max, st.open);
  }
}
