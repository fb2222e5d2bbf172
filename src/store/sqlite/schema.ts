import type { Database } from 'better-sqlite3';
import { MAX_DATE } from '../../search/normalize.js';
import { DERIVED_CLEANUP } from '../sql/derived-cleanup.js';

/**
 * Versioned schema migrations. Each entry runs once, in order, inside a transaction;
 * `PRAGMA user_version` records how far a database has come.
 */
const migrations: string[] = [
  // 1: resources, versions, search index tables
  `
  CREATE TABLE resources (
    rid INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    last_updated TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (type, id)
  );
  CREATE INDEX resources_type_updated ON resources (type, last_updated);

  CREATE TABLE versions (
    seq INTEGER PRIMARY KEY,
    rid INTEGER NOT NULL,
    version INTEGER NOT NULL,
    last_updated TEXT NOT NULL,
    method TEXT NOT NULL,
    content TEXT,
    UNIQUE (rid, version)
  );
  CREATE INDEX versions_updated ON versions (last_updated);

  CREATE TABLE search_param (
    pid INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    UNIQUE (type, code)
  );

  CREATE TABLE idx_token (pid INTEGER NOT NULL, value TEXT, system TEXT, rid INTEGER NOT NULL);
  CREATE INDEX idx_token_value ON idx_token (pid, value, system, rid);
  CREATE INDEX idx_token_system ON idx_token (pid, system, rid);
  CREATE INDEX idx_token_rid ON idx_token (rid);

  CREATE TABLE idx_string (pid INTEGER NOT NULL, norm TEXT NOT NULL, exact TEXT NOT NULL, rid INTEGER NOT NULL);
  CREATE INDEX idx_string_norm ON idx_string (pid, norm, rid);
  CREATE INDEX idx_string_rid ON idx_string (rid);

  CREATE TABLE idx_date (pid INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, rid INTEGER NOT NULL);
  CREATE INDEX idx_date_lo ON idx_date (pid, lo, hi, rid);
  CREATE INDEX idx_date_hi ON idx_date (pid, hi, rid);
  CREATE INDEX idx_date_rid ON idx_date (rid);

  CREATE TABLE idx_number (pid INTEGER NOT NULL, lo REAL NOT NULL, hi REAL NOT NULL, value REAL NOT NULL, rid INTEGER NOT NULL);
  CREATE INDEX idx_number_value ON idx_number (pid, value, rid);
  CREATE INDEX idx_number_rid ON idx_number (rid);

  CREATE TABLE idx_quantity (pid INTEGER NOT NULL, lo REAL NOT NULL, hi REAL NOT NULL, value REAL NOT NULL,
    system TEXT, unit TEXT, rid INTEGER NOT NULL);
  CREATE INDEX idx_quantity_value ON idx_quantity (pid, value, rid);
  CREATE INDEX idx_quantity_rid ON idx_quantity (rid);

  CREATE TABLE idx_reference (pid INTEGER NOT NULL, target_type TEXT, target_id TEXT, url TEXT, rid INTEGER NOT NULL);
  CREATE INDEX idx_reference_target ON idx_reference (pid, target_id, target_type, rid);
  CREATE INDEX idx_reference_url ON idx_reference (pid, url, rid);
  CREATE INDEX idx_reference_rid ON idx_reference (rid);

  CREATE TABLE idx_uri (pid INTEGER NOT NULL, value TEXT NOT NULL, rid INTEGER NOT NULL);
  CREATE INDEX idx_uri_value ON idx_uri (pid, value, rid);
  CREATE INDEX idx_uri_rid ON idx_uri (rid);
  `,

  // 2: paging and counting without touching table rows; composite search parameters
  `
  -- (type, deleted) + the implicit rowid: counts and rid-ordered (keyset) scans of a type are
  -- index-only, and "rid > ?" after a cursor is a range within the index.
  CREATE INDEX resources_type_deleted ON resources (type, deleted);
  -- _lastUpdated conditions and sorts on live resources, covered by the index.
  DROP INDEX resources_type_updated;
  CREATE INDEX resources_type_deleted_updated ON resources (type, deleted, last_updated);

  -- Per-resource lookups (a resource's value of one parameter: _sort keys, _has and _include
  -- joins, deleting a resource's rows) become index-only: (rid, pid, value...) replaces (rid).
  DROP INDEX idx_token_rid;
  CREATE INDEX idx_token_rid ON idx_token (rid, pid, value);
  DROP INDEX idx_string_rid;
  CREATE INDEX idx_string_rid ON idx_string (rid, pid, norm);
  DROP INDEX idx_date_rid;
  CREATE INDEX idx_date_rid ON idx_date (rid, pid, lo, hi);
  DROP INDEX idx_number_rid;
  CREATE INDEX idx_number_rid ON idx_number (rid, pid, value);
  DROP INDEX idx_quantity_rid;
  CREATE INDEX idx_quantity_rid ON idx_quantity (rid, pid, value);
  DROP INDEX idx_reference_rid;
  CREATE INDEX idx_reference_rid ON idx_reference (rid, pid, target_type, target_id);
  DROP INDEX idx_uri_rid;
  CREATE INDEX idx_uri_rid ON idx_uri (rid, pid, value);

  -- One row per element matched by a composite parameter (and per combination of its components'
  -- values there), so all components of a match hold on the SAME element. Component k (1-3) uses:
  -- token: sk = system, vk = code; string: vk = folded text; uri: vk; reference: sk = target type,
  -- vk = target id (or the URL); number / date: nk value, [lok, hik) range; quantity: nk, lok, hik,
  -- sk = system, vk = unit code.
  CREATE TABLE idx_composite (pid INTEGER NOT NULL, rid INTEGER NOT NULL,
    s1 TEXT, v1 TEXT, n1 REAL, lo1 REAL, hi1 REAL,
    s2 TEXT, v2 TEXT, n2 REAL, lo2 REAL, hi2 REAL,
    s3 TEXT, v3 TEXT, n3 REAL, lo3 REAL, hi3 REAL);
  CREATE INDEX idx_composite_first ON idx_composite (pid, v1, s1, rid);
  CREATE INDEX idx_composite_rid ON idx_composite (rid);
  `,

  // 3: date statistics per parameter, so a date condition becomes a bounded range scan on lo
  // (see dateBounds in search/date-conditions.ts). Kept up to date on write (never narrowed: deletes leave the
  // bounds as loose as they were, which stays correct). Over rows with both ends bounded
  // (lo > MIN_DATE, hi < MAX_DATE): max_span = max(0, max(hi - lo)), min_span = min(0, min(hi - lo));
  // open = 1 when some row has an open end (searched separately); max_rows = most rows of the
  // parameter on one resource (1: two conditions on it must hold on the same row).
  `
  CREATE TABLE date_stats (
    pid INTEGER PRIMARY KEY,
    max_rows INTEGER NOT NULL,
    min_span INTEGER NOT NULL,
    max_span INTEGER NOT NULL,
    open INTEGER NOT NULL
  );
  INSERT INTO date_stats (pid, max_rows, min_span, max_span, open)
  SELECT pid, max(n), min(mn), max(mx), max(op) FROM (
    SELECT pid, rid, count(*) AS n,
      min(0, coalesce(min(CASE WHEN lo > -8.64e15 AND hi < 8.64e15 THEN hi - lo END), 0)) AS mn,
      max(0, coalesce(max(CASE WHEN lo > -8.64e15 AND hi < 8.64e15 THEN hi - lo END), 0)) AS mx,
      max(CASE WHEN lo > -8.64e15 AND hi < 8.64e15 THEN 0 ELSE 1 END) AS op
    FROM idx_date GROUP BY pid, rid
  ) GROUP BY pid;
  `,

  // 4: a token condition checked per candidate row (EXISTS on rid, pid, value, system: e.g. the code
  // of Observation?subject=…&code=system|code) is answered from the index alone; it used to fetch
  // each idx_token row for its system (measured: that page query 130 -> 111 µs at 20k resources).
  `
  DROP INDEX idx_token_rid;
  CREATE INDEX idx_token_rid ON idx_token (rid, pid, value, system);
  `,

  // 5: the workflow engine (src/workflow/, store/workflow-types.ts): instances, transition log, durable
  // timers (found by due time), remembered Idempotency-Key answers, settings such as the manual clock.
  `
  CREATE TABLE workflow_instance (
    careplan_id TEXT PRIMARY KEY,
    machine TEXT NOT NULL,
    machine_version TEXT NOT NULL,
    careplan_version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
  );
  CREATE TABLE workflow_transition (
    careplan_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    data TEXT,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT,
    provenance_id TEXT,
    PRIMARY KEY (careplan_id, seq)
  );
  CREATE TABLE workflow_timer (
    careplan_id TEXT NOT NULL,
    timer_id TEXT NOT NULL,
    event TEXT NOT NULL,
    due TEXT NOT NULL,
    PRIMARY KEY (careplan_id, timer_id)
  );
  CREATE INDEX workflow_timer_due ON workflow_timer (due);
  CREATE TABLE idempotency_key (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created TEXT NOT NULL
  );
  CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // The audit trail (store/audit-types.ts): appended, never changed. Moved out by migration 7.
  `
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded TEXT NOT NULL,
    client_id TEXT,
    organization TEXT,
    action TEXT NOT NULL,
    subtype TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    patient TEXT,
    outcome INTEGER NOT NULL,
    status INTEGER NOT NULL,
    detail TEXT
  );
  CREATE INDEX audit_log_patient ON audit_log (patient, recorded);
  CREATE INDEX audit_log_recorded ON audit_log (recorded);
  `,
  // The audit trail moved to a file of its own (audit-file-schema.ts), which took the rows first.
  `
  DROP TABLE audit_log;
  `,
  // 8: (pid, hi) was read only to find rows with an open end (hi = MAX_DATE, search/normalize.ts; see
  // dateDriver in sql/search/date-conditions.ts) but written for every date: its inserts landed on random
  // pages (about one page of the WAL per dated resource in a large transaction). A partial index holds
  // only the open-ended rows.
  `
  DROP INDEX idx_date_hi;
  CREATE INDEX idx_date_open_end ON idx_date (pid, lo, hi, rid) WHERE hi >= ${MAX_DATE};
  `,
  // 9: Observation's combo-* parameters became derived (search/derived-params.ts): searched through the rows of
  // code / component-code and the like, with none of their own. The rows they had are dropped (a quarter of a
  // clinical data set's index rows); a SearchParameter uploaded under one of these codes would be stored, not
  // activated (fhir/search-parameters.ts), so these rows belong to the built-in parameters alone.
  `
  ${DERIVED_CLEANUP}
  `,
];

/** The schema version this code migrates to. */
export const SCHEMA_VERSION = migrations.length;

/** Bring a database up to `target` (default: the latest version). */
export function migrate(db: Database, target = migrations.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < Math.min(target, migrations.length); v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
