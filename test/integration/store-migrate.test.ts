import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import DatabaseConstructor from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan } from '../../src/search/parse.js';
import { migrate, SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** A database made by an earlier version of the schema is migrated on open and keeps working. */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-migrate-'));

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('schema migrations', () => {
  it('migrates a version-1 database with data to the latest version', async () => {
    const file = path.join(dataDir, 'forlob.sqlite');
    const v1 = new DatabaseConstructor(file);
    v1.pragma('journal_mode = WAL');
    migrate(v1, 1);
    expect(v1.pragma('user_version', { simple: true })).toBe(1);
    v1.prepare("INSERT INTO resources (rid, type, id, version, last_updated, deleted) VALUES (1, 'Patient', 'a', 1, '2024-01-01T00:00:00.000Z', 0)").run();
    v1.prepare("INSERT INTO versions (rid, version, last_updated, method, content) VALUES (1, 1, '2024-01-01T00:00:00.000Z', 'POST', ?)").run(
      JSON.stringify({ resourceType: 'Patient', id: 'a', gender: 'female' }),
    );
    v1.prepare("INSERT INTO search_param (pid, type, code) VALUES (1, 'Patient', 'gender')").run();
    v1.prepare("INSERT INTO idx_token (pid, value, system, rid) VALUES (1, 'female', NULL, 1)").run();
    v1.close();

    const store = new SqliteStore({ dataDir });
    try {
      const check = new DatabaseConstructor(file, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const indexes = (check.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
      expect(indexes).toEqual(expect.arrayContaining(['resources_type_deleted', 'resources_type_deleted_updated', 'idx_composite_first']));
      expect(indexes).not.toContain('resources_type_updated');
      check.close();

      const search = async (q: Record<string, string[]>) =>
        (await store.search(buildSearchPlan(['Patient'], q, { defaultCount: 10, maxCount: 10 }).plan)).versions.map((v) => v.id);
      expect(await search({})).toEqual(['a']);
      expect(await search({ gender: ['female'] })).toEqual(['a']);
      // Rows written before the migration lack the implied system until reindexed.
      expect(await search({ gender: ['http://hl7.org/fhir/administrative-gender|female'] })).toEqual([]);
      expect(await store.reindex('Patient', (json) => extractIndex(JSON.parse(json) as Resource))).toBe(1);
      expect(await search({ gender: ['http://hl7.org/fhir/administrative-gender|female'] })).toEqual(['a']);
    } finally {
      await store.close();
    }
  });

  it("drops the rows of Observation's combo-* parameters, which are searched through their sources' rows", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-migrate-derived-'));
    try {
      const v8 = new DatabaseConstructor(path.join(dir, 'forlob.sqlite'));
      v8.pragma('journal_mode = WAL');
      migrate(v8, 8);
      const obs = { resourceType: 'Observation', id: 'bp', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] } }] };
      v8.prepare("INSERT INTO resources (rid, type, id, version, last_updated, deleted) VALUES (1, 'Observation', 'bp', 1, '2024-01-01T00:00:00.000Z', 0)").run();
      v8.prepare("INSERT INTO versions (rid, version, last_updated, method, content) VALUES (1, 1, '2024-01-01T00:00:00.000Z', 'POST', ?)").run(JSON.stringify(obs));
      // As the previous version indexed it: code, component-code, and combo-code repeating both.
      const param = v8.prepare("INSERT INTO search_param (pid, type, code) VALUES (?, 'Observation', ?)");
      const token = v8.prepare("INSERT INTO idx_token (pid, value, system, rid) VALUES (?, ?, 'http://loinc.org', 1)");
      param.run(1, 'code');
      param.run(2, 'component-code');
      param.run(3, 'combo-code');
      token.run(1, '85354-9');
      token.run(2, '8480-6');
      token.run(3, '85354-9');
      token.run(3, '8480-6');
      v8.close();

      const store = new SqliteStore({ dataDir: dir });
      try {
        const check = new DatabaseConstructor(path.join(dir, 'forlob.sqlite'), { readonly: true });
        expect(check.prepare('SELECT pid, value FROM idx_token ORDER BY pid, value').all()).toEqual([
          { pid: 1, value: '85354-9' },
          { pid: 2, value: '8480-6' },
        ]);
        check.close();
        const search = async (q: string) => (await store.search(buildSearchPlan(['Observation'], { 'combo-code': [q] }, { defaultCount: 10, maxCount: 10 }).plan)).versions.map((v) => v.id);
        expect(await search('8480-6')).toEqual(['bp']);
        expect(await search('85354-9')).toEqual(['bp']);
      } finally {
        await store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves a version-6 audit trail into its own file, keeping the AuditEvent ids', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-migrate-audit-'));
    try {
      const v6 = new DatabaseConstructor(path.join(dir, 'forlob.sqlite'));
      v6.pragma('journal_mode = WAL');
      migrate(v6, 6);
      const insert = v6.prepare('INSERT INTO audit_log (seq, recorded, client_id, action, subtype, patient, outcome, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      insert.run(3, '2026-11-01T10:00:00.000Z', 'c1', 'R', 'read', 'Patient/p1', 0, 200);
      insert.run(7, '2026-11-02T10:00:00.000Z', 'c1', 'R', 'search-type', null, 0, 200);
      insert.run(9, '2026-11-03T10:00:00.000Z', 'c2', 'U', 'update', 'Patient/p1', 4, 412);
      v6.close();

      const open = () => new SqliteStore({ dataDir: dir });
      let store = open();
      try {
        const p1 = await store.audit.search({ patient: 'Patient/p1', count: 10, offset: 0 });
        expect(p1.rows.map((r) => [r.seq, r.status])).toEqual([[9, 412], [3, 200]]);
        expect((await store.audit.get(7))?.subtype).toBe('search-type');
        await store.audit.append([{ recorded: '2026-12-01T10:00:00.000Z', action: 'R', subtype: 'read', patient: 'Patient/p1', outcome: 0, status: 200 }]);
        const check = new DatabaseConstructor(path.join(dir, 'forlob.sqlite'), { readonly: true });
        expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'audit_log'").all()).toEqual([]);
        check.close();
      } finally {
        await store.close();
      }
      // Opened again: nothing copied twice, the new row after the old ones.
      store = open();
      try {
        const p1 = await store.audit.search({ patient: 'Patient/p1', count: 10, offset: 0 });
        expect(p1.rows.map((r) => r.seq)).toEqual([10, 9, 3]);
        expect((await store.audit.search({ count: 0, offset: 0 })).total).toBe(4);
      } finally {
        await store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
