/*
 * The audit trail's rows (security/audit-log.ts writes them, security/audit-api.ts serves them as FHIR
 * AuditEvents): one per request, appended in batches, never changed. Store.audit holds them.
 */

export interface AuditRow {
  /** Assigned by the store, ascending. */
  seq?: number;
  /** ISO instant. */
  recorded: string;
  clientId?: string;
  /** `Organization/<id>` the client acts for. */
  organization?: string;
  /** C R U D E (FHIR AuditEvent.action). */
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** The RESTful interaction: read, vread, search-type, create, update, patch, delete, history, operation, … */
  subtype: string;
  resourceType?: string;
  resourceId?: string;
  /** `Patient/<id>` whose data the request touched, when known. */
  patient?: string;
  /** 0 success, 4 minor failure (4xx), 8 serious failure (5xx). */
  outcome: 0 | 4 | 8;
  /** The HTTP status answered. */
  status: number;
  /** What was asked: the query of a search, the operation's name. */
  detail?: string;
}

export interface AuditQuery {
  patient?: string;
  /** recorded >= from (ISO). */
  from?: string;
  /** recorded < to (ISO). */
  to?: string;
  count: number;
  offset: number;
}

export interface AuditReader {
  /** Newest first. */
  search(q: AuditQuery): Promise<{ rows: AuditRow[]; total: number }>;
  get(seq: number): Promise<AuditRow | undefined>;
}

/** The trail itself: appended apart from the store's transactions (a batch is atomic on its own). */
export interface AuditTrail extends AuditReader {
  /** Resolves once the rows are durable. */
  append(rows: AuditRow[]): Promise<void>;
}
