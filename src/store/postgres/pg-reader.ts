import type { SearchPage, SearchPlan } from '../../search/plan.js';
import { toStored, VERSION_COLUMNS, type VersionRow } from '../sql/version-rows.js';
import type { HistoryPage, HistoryQuery, StoredVersion, StoreReader } from '../types.js';
import type { PgCatalog } from './catalog.js';
import { numbered } from './placeholders.js';
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
    const maxSeq = q.maxSeq ?? (await this.query<{ m: number }>('r_max_seq', 'SELECT coalesce(max(seq), 0) AS m FROM versions', [])).rows[0].m;
    const where: string[] = ['v.seq <= ?'];
    const args: unknown[] = [maxSeq];
    if (q.type) {
      where.push('r.type = ?');
      args.push(q.type);
    }
    if (q.id) {
      where.push('r.id = ?');
      args.push(q.id);
    }
    if (q.since) {
      where.push('v.last_updated >= ?');
      args.push(q.since);
    }
    if (q.at) {
      // See the SQLite store: current at some time in [start, end).
      where.push(`v.last_updated < ? AND NOT EXISTS (SELECT 1 FROM versions n
        WHERE n.rid = v.rid AND n.version = v.version + 1 AND n.last_updated <= ?)`);
      args.push(q.at.end, q.at.start);
    }
    const filter = `WHERE ${where.join(' AND ')}`;
    const count = numbered(`SELECT count(*) AS n FROM versions v JOIN resources r ON r.rid = v.rid ${filter}`);
    const page = numbered(`${SELECT_VERSION} ${filter} ORDER BY v.last_updated DESC, v.seq DESC LIMIT ${Math.trunc(q.count)} OFFSET ?`);
    const total = (await this.query<{ n: number }>('', count, args)).rows[0].n;
    const rows = (await this.query<VersionRow>('', page, [...args, q.offset])).rows;
    return { versions: rows.map(toStored), total, maxSeq };
  }

  /** Searches read one snapshot of several statements: each subclass knows its connection. */
  abstract search(plan: SearchPlan): Promise<SearchPage>;
}
