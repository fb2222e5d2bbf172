import type { SearchPage, SearchPlan } from '../../search/plan.js';
import { historyStatements } from '../sql/history-query.js';
import { MAX_SEQ } from '../sql/search/paging.js';
import { toStored, VERSION_COLUMNS, type VersionRow } from '../sql/version-rows.js';
import type { HistoryPage, HistoryQuery, StoredVersion, StoreReader } from '../types.js';
import type { PgCatalog } from './catalog.js';
import { prepared } from './placeholders.js';
import type { Query } from './query.js';
import { PgWorkflowReader } from './workflow-rows.js';

const SELECT_VERSION = `SELECT ${VERSION_COLUMNS} FROM versions v JOIN resources r ON r.rid = v.rid`;

/** Reads through `query` (the pool outside a transaction, the transaction's client inside one). */
export abstract class PgReader implements StoreReader {
  readonly workflow: PgWorkflowReader;

  constructor(
    protected readonly query: Query,
    protected readonly catalogs: PgCatalog,
  ) {
    this.workflow = this.workflowRows();
  }

  protected workflowRows(): PgWorkflowReader {
    return new PgWorkflowReader(this.query);
  }

  async readCurrent(type: string, id: string): Promise<StoredVersion | undefined> {
    const { rows } = await this.query<VersionRow>('r_current', `${SELECT_VERSION} WHERE r.type = $1 AND r.id = $2 AND v.version = r.version`, [type, id]);
    return rows[0] && toStored(rows[0]);
  }

  async readVersion(type: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const { rows } = await this.query<VersionRow>('r_version', `${SELECT_VERSION} WHERE r.type = $1 AND r.id = $2 AND v.version = $3`, [type, id, versionId]);
    return rows[0] && toStored(rows[0]);
  }

  async readMany(refs: { type: string; id: string }[]): Promise<StoredVersion[]> {
    if (refs.length === 0) return [];
    const { rows } = await this.query<VersionRow>(
      'r_many',
      `${SELECT_VERSION} JOIN unnest($1::text[], $2::text[]) AS want(type, id) ON r.type = want.type AND r.id = want.id
       WHERE v.version = r.version AND v.content IS NOT NULL`,
      [refs.map((r) => r.type), refs.map((r) => r.id)],
    );
    // In the order asked for, as the SQLite store answers.
    const byRef = new Map(rows.map((row) => [`${row.type}/${row.id}`, row]));
    const out: StoredVersion[] = [];
    for (const ref of refs) {
      const row = byRef.get(`${ref.type}/${ref.id}`);
      if (row) out.push(toStored(row));
    }
    return out;
  }

  async history(q: HistoryQuery): Promise<HistoryPage> {
    const maxSeq = q.maxSeq ?? (await this.query<{ m: number }>('r_max_seq', MAX_SEQ.sql, [])).rows[0].m;
    const { count, page } = historyStatements(q, maxSeq);
    const c = prepared(count.sql);
    const p = prepared(page.sql);
    const total = (await this.query<{ n: number }>(c.name, c.text, count.args)).rows[0].n;
    const rows = (await this.query<VersionRow>(p.name, p.text, page.args)).rows;
    return { versions: rows.map(toStored), total, maxSeq };
  }

  /** Searches read one snapshot of several statements: each subclass knows its connection. */
  abstract search(plan: SearchPlan): Promise<SearchPage>;
}
