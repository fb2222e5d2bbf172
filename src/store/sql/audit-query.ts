import type { AuditQuery, AuditRow } from '../audit-types.js';

/* The audit trail's SQL, shared by both backends (`?` placeholders; PostgreSQL numbers them). */

export const AUDIT_COLUMNS = `seq, recorded, client_id AS "clientId", organization, action, subtype, resource_type AS "resourceType",
  resource_id AS "resourceId", patient, outcome, status, detail`;

export const AUDIT_INSERT_COLUMNS = ['recorded', 'client_id', 'organization', 'action', 'subtype', 'resource_type', 'resource_id', 'patient', 'outcome', 'status', 'detail'];

/** A row's values in AUDIT_INSERT_COLUMNS order (null for absent). */
export function auditValues(r: AuditRow): unknown[] {
  return [r.recorded, r.clientId ?? null, r.organization ?? null, r.action, r.subtype, r.resourceType ?? null, r.resourceId ?? null, r.patient ?? null, r.outcome, r.status, r.detail ?? null];
}

export interface SqlPart {
  sql: string;
  args: unknown[];
}

/** `patient = ?`: what a backend with a plain index on the column filters by. */
const patientEquals = (patient: string): SqlPart => ({ sql: 'patient = ?', args: [patient] });

/** The count and the page of an audit search; a backend may filter by patient its own way, and select its own columns. */
export function auditStatements(q: AuditQuery, { byPatient = patientEquals, columns = AUDIT_COLUMNS } = {}): { count: SqlPart; page: SqlPart } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.patient !== undefined) {
    const filter = byPatient(q.patient);
    where.push(filter.sql);
    args.push(...filter.args);
  }
  if (q.from !== undefined) {
    where.push('recorded >= ?');
    args.push(q.from);
  }
  if (q.to !== undefined) {
    where.push('recorded < ?');
    args.push(q.to);
  }
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  return {
    count: { sql: `SELECT count(*) AS n FROM audit_log${filter}`, args },
    page: { sql: `SELECT ${columns} FROM audit_log${filter} ORDER BY seq DESC LIMIT ? OFFSET ?`, args: [...args, q.count, q.offset] },
  };
}

/** Drop the NULLs a database gives for absent columns. */
export function auditRow(row: Record<string, unknown>): AuditRow {
  for (const k of Object.keys(row)) if (row[k] === null) delete row[k];
  return row as unknown as AuditRow;
}
