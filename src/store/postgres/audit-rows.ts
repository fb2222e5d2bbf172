import type { AuditQuery, AuditRow, AuditTrail } from '../audit-types.js';
import { AUDIT_COLUMNS, AUDIT_INSERT_COLUMNS, auditRow, auditStatements, auditValues } from '../sql/audit-query.js';
import { prepared } from './placeholders.js';
import type { Query } from './query.js';
import { noNul } from './values.js';

/* The audit trail (schema.ts, migration 3) on the primary's pool: searched, and appended in one statement per batch. */

const TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int', 'int', 'text'];

export class PgAuditTrail implements AuditTrail {
  constructor(protected readonly query: Query) {}

  async search(q: AuditQuery): Promise<{ rows: AuditRow[]; total: number }> {
    const { count, page } = auditStatements(q);
    const c = prepared(count.sql);
    const p = prepared(page.sql);
    const total = (await this.query<{ n: number }>(c.name, c.text, count.args)).rows[0].n;
    const rows = (await this.query<Record<string, unknown>>(p.name, p.text, page.args)).rows.map(auditRow);
    return { rows, total };
  }

  async get(seq: number): Promise<AuditRow | undefined> {
    const { rows } = await this.query<Record<string, unknown>>('au_get', `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq = $1`, [seq]);
    return rows[0] && auditRow(rows[0]);
  }

  async append(rows: AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One array per column, unnested together: a batch is one statement.
    const columns = AUDIT_INSERT_COLUMNS.map(() => [] as unknown[]);
    for (const r of rows) auditValues(r).forEach((v, i) => columns[i].push(noNul(v)));
    const unnest = TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
    await this.query('au_append', `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS.join(', ')}) SELECT * FROM unnest(${unnest})`, columns);
  }
}
