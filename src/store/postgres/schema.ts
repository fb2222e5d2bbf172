import type { PoolClient } from 'pg';
import { MAX_DATE } from '../../search/normalize.js';
import { DERIVED_CLEANUP } from '../sql/derived-cleanup.js';

/*
 * The PostgreSQL schema: the same tables and columns as the SQLite schema (store/sqlite/schema.ts) in their
 * final shape, so the shared search compiler (store/sql/search/) reads both alike. Text columns compare
 * byte-wise (COLLATE "C"), as SQLite does: string-prefix ranges (norm >= ? AND norm < ? || U+10FFFF) and
 * _sort=_id depend on it. Dates are epoch milliseconds (bigint), numbers double precision.
 *
 * Versioned migrations, each run once in order inside one transaction that holds an advisory lock, so two
 * nodes starting at once on an empty database migrate it exactly once (the second waits, then finds
 * nothing left to do). schema_migrations records how far a database has come.
 */

const C = 'COLLATE "C"';

const migrations: string[] = [
  // 1: resources, versions, parameter ids, index tables, date statistics, the catalogue version
  `
  CREATE TABLE resources (
    rid bigserial PRIMARY KEY,
    type text ${C} NOT NULL,
    id text ${C} NOT NULL,
    version integer NOT NULL,
    last_updated text ${C} NOT NULL,
    deleted smallint NOT NULL DEFAULT 0,
    UNIQUE (type, id)
  );
  CREATE INDEX resources_type_deleted_rid ON resources (type, deleted, rid);
  CREATE INDEX resources_type_deleted_updated ON resources (type, deleted, last_updated);

  CREATE TABLE versions (
    seq bigserial PRIMARY KEY,
    rid bigint NOT NULL,
    version integer NOT NULL,
    last_updated text ${C} NOT NULL,
    method text NOT NULL,
    content text,
    UNIQUE (rid, version)
  );
  CREATE INDEX versions_updated ON versions (last_updated);

  CREATE TABLE search_param (
    pid serial PRIMARY KEY,
    type text ${C} NOT NULL,
    code text ${C} NOT NULL,
    UNIQUE (type, code)
  );

  CREATE TABLE idx_token (pid integer NOT NULL, value text ${C}, system text ${C}, rid bigint NOT NULL);
  CREATE INDEX idx_token_value ON idx_token (pid, value, system, rid);
  CREATE INDEX idx_token_system ON idx_token (pid, system, rid);
  CREATE INDEX idx_token_rid ON idx_token (rid, pid, value, system);

  CREATE TABLE idx_string (pid integer NOT NULL, norm text ${C} NOT NULL, exact text ${C} NOT NULL, rid bigint NOT NULL);
  CREATE INDEX idx_string_norm ON idx_string (pid, norm, rid);
  CREATE INDEX idx_string_rid ON idx_string (rid, pid, norm);

  CREATE TABLE idx_date (pid integer NOT NULL, lo bigint NOT NULL, hi bigint NOT NULL, rid bigint NOT NULL);
  CREATE INDEX idx_date_lo ON idx_date (pid, lo, hi, rid);
  CREATE INDEX idx_date_hi ON idx_date (pid, hi, rid);
  CREATE INDEX idx_date_rid ON idx_date (rid, pid, lo, hi);

  CREATE TABLE idx_number (pid integer NOT NULL, lo float8 NOT NULL, hi float8 NOT NULL, value float8 NOT NULL, rid bigint NOT NULL);
  CREATE INDEX idx_number_value ON idx_number (pid, value, rid);
  CREATE INDEX idx_number_rid ON idx_number (rid, pid, value);

  CREATE TABLE idx_quantity (pid integer NOT NULL, lo float8 NOT NULL, hi float8 NOT NULL, value float8 NOT NULL,
    system text ${C}, unit text ${C}, rid bigint NOT NULL);
  CREATE INDEX idx_quantity_value ON idx_quantity (pid, value, rid);
  CREATE INDEX idx_quantity_rid ON idx_quantity (rid, pid, value);

  CREATE TABLE idx_reference (pid integer NOT NULL, target_type text ${C}, target_id text ${C}, url text ${C}, rid bigint NOT NULL);
  CREATE INDEX idx_reference_target ON idx_reference (pid, target_id, target_type, rid);
  CREATE INDEX idx_reference_url ON idx_reference (pid, url, rid);
  CREATE INDEX idx_reference_rid ON idx_reference (rid, pid, target_type, target_id);

  CREATE TABLE idx_uri (pid integer NOT NULL, value text ${C} NOT NULL, rid bigint NOT NULL);
  CREATE INDEX idx_uri_value ON idx_uri (pid, value, rid);
  CREATE INDEX idx_uri_rid ON idx_uri (rid, pid, value);

  CREATE TABLE idx_composite (pid integer NOT NULL, rid bigint NOT NULL,
    s1 text ${C}, v1 text ${C}, n1 float8, lo1 float8, hi1 float8,
    s2 text ${C}, v2 text ${C}, n2 float8, lo2 float8, hi2 float8,
    s3 text ${C}, v3 text ${C}, n3 float8, lo3 float8, hi3 float8);
  CREATE INDEX idx_composite_first ON idx_composite (pid, v1, s1, rid);
  CREATE INDEX idx_composite_rid ON idx_composite (rid);

  -- See store/sqlite/schema.ts (migration 3): only ever widened.
  CREATE TABLE date_stats (
    pid integer PRIMARY KEY,
    max_rows integer NOT NULL,
    min_span bigint NOT NULL,
    max_span bigint NOT NULL,
    open smallint NOT NULL
  );

  -- Bumped by every transaction that adds a search_param row or widens date_stats, so each node knows
  -- when its in-memory copy of both (catalog.ts) is out of date.
  CREATE TABLE catalog_state (id integer PRIMARY KEY, version bigint NOT NULL);
  INSERT INTO catalog_state (id, version) VALUES (1, 0);
  `,

  // 2: the workflow engine (store/workflow-types.ts), as in store/sqlite/schema.ts migration 5
  `
  CREATE TABLE workflow_instance (
    careplan_id text ${C} PRIMARY KEY,
    machine text NOT NULL,
    machine_version text NOT NULL,
    careplan_version integer NOT NULL,
    snapshot text NOT NULL,
    created text NOT NULL,
    updated text NOT NULL
  );
  CREATE INDEX workflow_instance_machine ON workflow_instance (machine, machine_version, careplan_id);
  CREATE TABLE workflow_transition (
    careplan_id text ${C} NOT NULL,
    seq integer NOT NULL,
    event text NOT NULL,
    data text,
    from_state text NOT NULL,
    to_state text NOT NULL,
    at text NOT NULL,
    by text,
    provenance_id text,
    PRIMARY KEY (careplan_id, seq)
  );
  CREATE TABLE workflow_timer (
    careplan_id text ${C} NOT NULL,
    timer_id text ${C} NOT NULL,
    event text NOT NULL,
    due text ${C} NOT NULL,
    PRIMARY KEY (careplan_id, timer_id)
  );
  CREATE INDEX workflow_timer_due ON workflow_timer (due);
  CREATE TABLE idempotency_key (
    key text PRIMARY KEY,
    fingerprint text NOT NULL,
    status integer NOT NULL,
    body text NOT NULL,
    created text NOT NULL
  );
  CREATE TABLE setting (key text PRIMARY KEY, value text NOT NULL);
  `,
  // 3: the audit trail (store/audit-types.ts), as in store/sqlite/schema.ts migration 6
  `
  CREATE TABLE audit_log (
    seq bigserial PRIMARY KEY,
    recorded text COLLATE "C" NOT NULL,
    client_id text,
    organization text,
    action text NOT NULL,
    subtype text NOT NULL,
    resource_type text,
    resource_id text,
    patient text COLLATE "C",
    outcome integer NOT NULL,
    status integer NOT NULL,
    detail text
  );
  CREATE INDEX audit_log_patient ON audit_log (patient, recorded);
  CREATE INDEX audit_log_recorded ON audit_log (recorded);
  `,
  // 4: open-ended date rows only, in place of (pid, hi) for every row, as in store/sqlite/schema.ts migration 8
  `
  DROP INDEX idx_date_hi;
  CREATE INDEX idx_date_open_end ON idx_date (pid, lo, hi, rid) WHERE hi >= ${MAX_DATE};
  `,
  // 5: rows of parameters that became derived, as in store/sqlite/schema.ts migration 9
  `
  ${DERIVED_CLEANUP}
  `,
];

export const PG_SCHEMA_VERSION = migrations.length;

/** Arbitrary but fixed: the advisory lock every node takes while it migrates. */
const MIGRATION_LOCK = 0x466f726c; // "Forl"

/** Bring the database up to the latest schema version; safe when several nodes run it at once. */
export async function migrate(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    for (let v = current; v < migrations.length; v++) {
      await client.query(migrations[v]);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
    return migrations.length - current;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
