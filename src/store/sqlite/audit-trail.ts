import DatabaseConstructor, { type Database } from 'better-sqlite3';
import type { AuditQuery, AuditRow, AuditTrail } from '../audit-types.js';
import { auditRow, auditStatements, type SqlPart } from '../sql/audit-query.js';
import { AuditAppender } from './audit-appender.js';
import { INDEXED_PATIENT, migrateAuditFile } from './audit-file-schema.js';
import { cached } from './search/statement-cache.js';

/*
 * The embedded store's audit trail in its own file (audit-file-schema.ts): appended by a worker thread
 * (audit-appender.ts), read here on a connection of its own.
 */

/** A patient's rows through the FTS5 index, narrowed to the exact reference (the tokenizer folds case). */
function byPatient(patient: string): SqlPart {
  const id = INDEXED_PATIENT.exec(patient)?.[1];
  // Rows only ever name indexed references; any other value is looked for the slow way (and not found).
  if (!id) return { sql: 'patient = ?', args: [patient] };
  return { sql: 'seq IN (SELECT rowid FROM audit_patient WHERE audit_patient MATCH ?) AND patient = ?', args: [`"${id}"`, patient] };
}

interface Entry {
  seq: number;
  recorded: string;
  patient: string | null;
  entry: string;
}

/** Rows written before entries left out their columns still hold them in the entry too: the same values. */
const fromEntry = ({ seq, recorded, patient, entry }: Entry): AuditRow => auditRow({ ...(JSON.parse(entry) as Record<string, unknown>), seq, recorded, patient });

/** The row's JSON without what has a column of its own (a smaller row: fewer pages written per row). */
function entryOf(row: AuditRow): string {
  const { recorded: _recorded, patient: _patient, ...rest } = row;
  return JSON.stringify(rest);
}

export class SqliteAuditTrail implements AuditTrail {
  private readonly db: Database;
  private readonly appender: AuditAppender;

  constructor(file: string) {
    this.db = new DatabaseConstructor(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    migrateAuditFile(this.db);
    this.appender = new AuditAppender(file);
  }

  append(rows: AuditRow[]): Promise<void> {
    // In APPENDED_COLUMNS order.
    return rows.length ? this.appender.append(rows.map((r) => [r.recorded, r.patient ?? null, entryOf(r)])) : Promise.resolve();
  }

  async search(q: AuditQuery): Promise<{ rows: AuditRow[]; total: number }> {
    const { count, page } = auditStatements(q, { byPatient, columns: 'seq, recorded, patient, entry' });
    const total = (cached(this.db, count.sql).get(...count.args) as { n: number }).n;
    const rows = (cached(this.db, page.sql).all(...page.args) as Entry[]).map(fromEntry);
    return { rows, total };
  }

  async get(seq: number): Promise<AuditRow | undefined> {
    const row = cached(this.db, 'SELECT seq, recorded, patient, entry FROM audit_log WHERE seq = ?').get(seq) as Entry | undefined;
    return row && fromEntry(row);
  }

  async close(): Promise<void> {
    await this.appender.close();
    this.db.close();
  }
}
