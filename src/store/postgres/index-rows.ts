import type { IndexEntries } from '../../search/index-types.js';
import { dateStatsByCode, INDEX_COLUMNS, INDEX_TABLES, indexRowsOf, type DateStatsOfVersion, type IndexTableName, type IndexValue } from '../sql/index-columns.js';
import type { Query } from './query.js';
import { noNul } from './values.js';

/*
 * The search index rows of one resource version on PostgreSQL, written in ONE statement: a data-modifying
 * CTE per index table inserting from unnest() arrays (a batch insert whatever the number of rows), plus,
 * for an existing resource, a DELETE of its previous rows per table. The statement text depends only on
 * which tables get rows, so it is prepared once per shape and connection.
 */

const FLOAT_COLUMNS = /^(lo|hi|value|n|lo\d|hi\d|n\d)$/;

/** The array type a column's values are bound as. */
function arrayType(table: IndexTableName, column: string): string {
  if (table === 'date') return 'bigint[]';
  if (table !== 'token' && table !== 'uri' && FLOAT_COLUMNS.test(column)) return 'float8[]';
  return 'text[]';
}

const statements = new Map<string, string>();

/** The statement for rows in `tables`, deleting the old rows of every table first when `replace`. */
function statementFor(tables: IndexTableName[], replace: boolean): { name: string; text: string } {
  const name = `idx_${replace ? 'r' : 'n'}_${tables.join('_')}`;
  let text = statements.get(name);
  if (!text) {
    const ctes: string[] = [];
    if (replace) for (const t of INDEX_TABLES) ctes.push(`d_${t} AS (DELETE FROM idx_${t} WHERE rid = $1)`);
    let n = 1;
    for (const t of tables) {
      const cols = INDEX_COLUMNS[t];
      const arrays = [`$${++n}::integer[]`, ...cols.map((c) => `$${++n}::${arrayType(t, c)}`)];
      ctes.push(`i_${t} AS (INSERT INTO idx_${t} (pid, ${cols.join(', ')}, rid) SELECT *, $1::bigint FROM unnest(${arrays.join(', ')}))`);
    }
    text = `WITH ${ctes.join(', ')} SELECT 1`;
    statements.set(name, text);
  }
  return { name, text };
}

export class PgIndexRows {
  constructor(
    private readonly query: Query,
    private readonly pidFor: (type: string, code: string) => Promise<number>,
  ) {}

  /**
   * Make the rows of resource `rid` exactly `index` (`existing`: it may have rows already). Resolves to
   * the version's date statistics per pid, for date_stats.
   */
  async write(type: string, rid: number, index: IndexEntries, existing: boolean): Promise<Map<number, DateStatsOfVersion>> {
    const tables: IndexTableName[] = [];
    const values: unknown[] = [rid];
    for (const t of INDEX_TABLES) {
      const rows = indexRowsOf(index, t);
      if (rows.length === 0) continue;
      tables.push(t);
      const columns: IndexValue[][] = INDEX_COLUMNS[t].map(() => []);
      const pids: number[] = [];
      for (const [code, ...cols] of rows) {
        pids.push(await this.pidFor(type, code));
        cols.forEach((v, i) => columns[i].push(noNul(v)));
      }
      values.push(pids, ...columns);
    }
    if (tables.length || existing) {
      const st = statementFor(tables, existing);
      await this.query(st.name, st.text, values);
    }
    const stats = new Map<number, DateStatsOfVersion>();
    for (const [code, st] of dateStatsByCode(index)) stats.set(await this.pidFor(type, code), st);
    return stats;
  }

  /** Remove every row of a resource (a delete). */
  async clear(rid: number): Promise<void> {
    const st = statementFor([], true);
    await this.query(st.name, st.text, [rid]);
  }
}
