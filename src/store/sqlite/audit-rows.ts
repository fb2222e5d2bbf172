import type { Database, Statement } from 'better-sqlite3';
import type { AuditQuery, AuditReader, AuditRow, AuditWriter } from '../audit-types.js';
import { AUDIT_COLUMNS, AUDIT_INSERT_COLUMNS, auditRow, auditStatements, auditValues } from '../sql/audit-query.js';

/* The audit trail (schema.ts, migration 6) over one connection. */

export class SqliteAuditReader implements AuditReader {
  constructor(protected readonly db: Database) {}

  async search(q: AuditQuery): Promise<{ rows: AuditRow[]; total: number }> {
    const { count, page } = auditStatements(q);
    const total = (this.db.prepare(count.sql).get(...count.args) as { n: number }).n;
    const rows = (this.db.prepare(page.sql).all(...page.args) as Record<string, unknown>[]).map(auditRow);
    return { rows, total };
  }

  async get(seq: number): Promise<AuditRow | undefined> {
    const row = this.db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq = ?`).get(seq) as Record<string, unknown> | undefined;
    return row && auditRow(row);
  }
}

/** Rows per INSERT statement: one statement run per 100 rows, not per row. */
const CHUNK = 100;
const ROW = `(${AUDIT_INSERT_COLUMNS.map(() => '?').join(', ')})`;

export class SqliteAuditWriter extends SqliteAuditReader implements AuditWriter {
  private readonly inserts = new Map<number, Statement>();

  async append(rows: AuditRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      this.insertOf(chunk.length).run(...chunk.flatMap(auditValues));
    }
  }

  private insertOf(n: number): Statement {
    let s = this.inserts.get(n);
    if (!s) {
      s = this.db.prepare(`INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS.join(', ')}) VALUES ${Array(n).fill(ROW).join(', ')}`);
      this.inserts.set(n, s);
    }
    return s;
  }
}
