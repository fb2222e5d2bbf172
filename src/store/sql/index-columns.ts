// The index tables' columns and one resource's rows for each, as both stores write them (the schemas in
// store/sqlite/schema.ts and store/postgres/schema.ts share these tables and column orders).

import type { IndexEntries } from '../../search/index-types.js';
import { MAX_DATE, MIN_DATE } from '../../search/normalize.js';

export type IndexTableName = keyof IndexEntries;
export type IndexValue = string | number | null;

/** Each table's columns after pid, in the order indexRowsOf produces their values. */
export const INDEX_COLUMNS: Record<IndexTableName, string[]> = {
  token: ['value', 'system'],
  string: ['norm', 'exact'],
  date: ['lo', 'hi'],
  number: ['lo', 'hi', 'value'],
  quantity: ['lo', 'hi', 'value', 'system', 'unit'],
  reference: ['target_type', 'target_id', 'url'],
  uri: ['value'],
  composite: ['s1', 'v1', 'n1', 'lo1', 'hi1', 's2', 'v2', 'n2', 'lo2', 'hi2', 's3', 'v3', 'n3', 'lo3', 'hi3'],
};
export const INDEX_TABLES = Object.keys(INDEX_COLUMNS) as IndexTableName[];

/** [code, ...column values] of every row of a table, from the extracted index. */
export function indexRowsOf(index: IndexEntries, table: IndexTableName): [string, ...IndexValue[]][] {
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
        const cols: IndexValue[] = [];
        for (let i = 0; i < 3; i++) {
          const p = r.parts[i];
          cols.push(p?.s ?? null, p?.v ?? null, p?.n ?? null, p?.lo ?? null, p?.hi ?? null);
        }
        return [r.code, ...cols];
      });
  }
}

/** One version's date statistics per parameter code (the date_stats table: see store/sqlite/schema.ts, migration 3). */
export interface DateStatsOfVersion {
  rows: number;
  min: number;
  max: number;
  open: number;
}

export function dateStatsByCode(index: IndexEntries): Map<string, DateStatsOfVersion> {
  const stats = new Map<string, DateStatsOfVersion>();
  for (const r of index.date) {
    let st = stats.get(r.code);
    if (!st) stats.set(r.code, (st = { rows: 0, min: 0, max: 0, open: 0 }));
    st.rows++;
    if (r.lo > MIN_DATE && r.hi < MAX_DATE) {
      st.min = Math.min(st.min, r.hi - r.lo);
      st.max = Math.max(st.max, r.hi - r.lo);
    } else {
      st.open = 1;
    }
  }
  return stats;
}
