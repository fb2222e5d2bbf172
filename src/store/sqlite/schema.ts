import type { Database } from 'better-sqlite3';

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
];

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
