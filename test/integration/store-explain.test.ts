import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import DatabaseConstructor, { type Database } from 'better-sqlite3';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan } from '../../src/search/parse.js';
import type { SearchPlan } from '../../src/search/plan.js';
import { ParamIds } from '../../src/store/sqlite/param-ids.js';
import { compileSearch } from '../../src/store/sqlite/search/run-search.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * Query plans at scale: the paging queries must stay index-driven (no full scan of resources, no
 * sort of the whole result for rid order). Timings are printed, not asserted.
 * FORLOB_PERF_PATIENTS (default 5000; the figures in the notes are from 20000 and 25000 × 4) patients, each with FORLOB_PERF_OBS (default 1) Observations.
 */

const PATIENTS = Number(process.env.FORLOB_PERF_PATIENTS ?? 5_000);
const OBS_PER_PATIENT = Number(process.env.FORLOB_PERF_OBS ?? 1);
const FAMILIES = ['Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen'];
const CODES = ['8480-6', '8462-4', '29463-7', '8867-4', '2339-0'];

let dataDir: string;
let store: SqliteStore;
let db: Database;
const params = new ParamIds();

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-explain-'));
  store = new SqliteStore({ dataDir });
  const t0 = performance.now();
  let n = 0;
  const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  for (let start = 0; start < PATIENTS; start += 500) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(start + 500, PATIENTS); i++) {
        const lastUpdated = stamp(n++);
        const p = {
          resourceType: 'Patient',
          id: `p${i}`,
          meta: { versionId: '1', lastUpdated },
          name: [{ family: `${FAMILIES[i % FAMILIES.length]}${i % 997}`, given: ['Anne'] }],
          gender: i % 2 ? 'male' : 'female',
          birthDate: `19${40 + (i % 60)}-0${1 + (i % 9)}-1${i % 10}`,
        } as Resource;
        await tx.write({ type: 'Patient', id: p.id!, versionId: 1, lastUpdated, method: 'POST', json: JSON.stringify(p), index: extractIndex(p) });
        for (let j = 0; j < OBS_PER_PATIENT; j++) {
          const o = {
            resourceType: 'Observation',
            id: `o${i}-${j}`,
            meta: { versionId: '1', lastUpdated },
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: CODES[(i + j) % CODES.length] }] },
            subject: { reference: `Patient/p${i}` },
            effectiveDateTime: stamp(i * 7 + j),
            valueQuantity: { value: 60 + ((i * 13 + j) % 120), unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
          } as Resource;
          await tx.write({ type: 'Observation', id: o.id!, versionId: 1, lastUpdated, method: 'POST', json: JSON.stringify(o), index: extractIndex(o) });
        }
        // CarePlans, every tenth still open (a period with no end): date searches on them take the open-end branches.
        if (i % 5 === 0) {
          const c = {
            resourceType: 'CarePlan',
            id: `c${i}`,
            meta: { versionId: '1', lastUpdated },
            status: 'active',
            intent: 'plan',
            subject: { reference: `Patient/p${i}` },
            period: { start: stamp(i * 600), ...(i % 10 ? { end: stamp(i * 600 + 86_400) } : {}) },
          } as Resource;
          await tx.write({ type: 'CarePlan', id: c.id!, versionId: 1, lastUpdated, method: 'POST', json: JSON.stringify(c), index: extractIndex(c) });
        }
      }
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`loaded ${PATIENTS} patients + ${PATIENTS * OBS_PER_PATIENT} observations in ${seconds.toFixed(1)} s`);
  db = new DatabaseConstructor(path.join(dataDir, 'forlob.sqlite'), { readonly: true });
}, 600_000);

afterAll(async () => {
  db?.close();
  await store?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function plan(type: string, q: string): SearchPlan {
  const query: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(q)) (query[k] ??= []).push(v);
  return buildSearchPlan([type], query, { defaultCount: 20, maxCount: 1000 }).plan;
}

/**
 * The plan of a page query. The page's rows are chosen in a subquery (CO-ROUTINE r) and the outer query
 * loops over those few rows to fetch their versions (paging.ts pageQuery): that outer `SCAN r` reads the
 * page, not the table, and is left out so the assertions below see only how the rows are found.
 */
function explain(p: SearchPlan): string[] {
  const { page } = compileSearch(db, params, p);
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${page.sql}`).all(...page.args) as { parent: number; detail: string }[];
  return rows.filter((r) => !(r.parent === 0 && (r.detail === 'CO-ROUTINE r' || r.detail === 'SCAN r'))).map((r) => r.detail);
}

/** The plan of a count query, as one text. */
function count(p: SearchPlan): string {
  const { count: q } = compileSearch(db, params, p);
  return (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.args) as { detail: string }[]).map((r) => r.detail).join('\n');
}

/** Median time of a search (ms), and the cursor of its page `depth` pages in. */
async function time(p: SearchPlan, runs = 30): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await store.search(p);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function deepCursor(type: string, q: string, depth: number): Promise<string> {
  // Jump with _offset, then take that page's next cursor (same position as walking there).
  const p = plan(type, `${q}&_offset=${depth * 20}`);
  const page = await store.search(p);
  return page.next!;
}

const CASES: [string, string, string][] = [
  ['default order', 'Patient', ''],
  ['token, default order', 'Patient', 'gender=male'],
  ['reference, default order', 'Observation', 'subject=Patient/p123'],
  ['token code, default order', 'Observation', 'code=http://loinc.org|8480-6'],
  ['_sort=-_lastUpdated', 'Patient', '_sort=-_lastUpdated'],
  ['_sort=_lastUpdated', 'Patient', '_sort=_lastUpdated'],
  ['_sort=family', 'Patient', '_sort=family'],
  ['_sort=-birthdate', 'Patient', '_sort=-birthdate'],
  ['token + _sort=-date', 'Observation', 'code=http://loinc.org|8480-6&_sort=-date'],
  ['reference + token', 'Observation', 'subject=Patient/p123&code=http://loinc.org|8480-6'],
  ['date range (one hour)', 'Observation', 'date=ge2024-01-01T01:00:00Z&date=lt2024-01-01T02:00:00Z'],
  ['_has', 'Patient', '_has:Observation:subject:code=http://loinc.org|8480-6'],
];

describe(`query plans and timings (${PATIENTS} patients)`, () => {
  it('rid-ordered pages are index-driven, also after a cursor', async () => {
    const first = explain(plan('Patient', ''));
    const cursor = await deepCursor('Patient', '', 50);
    const after = plan('Patient', '');
    after.page = { after: cursor };
    const next = explain(after);
    for (const detail of [first, next]) {
      // The page reads each row's version too (joined), so the index is no longer covering.
      expect(detail.join('\n')).toMatch(/SEARCH r USING INDEX resources_type_deleted/);
      expect(detail.join('\n')).toMatch(/SEARCH v USING INDEX sqlite_autoindex_versions_1 \(rid=\? AND version=\?\)/);
      expect(detail.join('\n')).not.toMatch(/TEMP B-TREE|SCAN r\b/);
    }
    expect(next.join('\n')).toMatch(/rowid>\?/);
    const count = db.prepare('EXPLAIN QUERY PLAN SELECT count(*) FROM resources r WHERE r.deleted = 0 AND r.type = ?').all('Patient') as {
      detail: string;
    }[];
    expect(count.map((r) => r.detail).join('\n')).toMatch(/COVERING INDEX resources_type_deleted/);
  });

  it('-_lastUpdated pages use the (type, deleted, last_updated) index', async () => {
    const cursor = await deepCursor('Patient', '_sort=-_lastUpdated', 50);
    const p = plan('Patient', '_sort=-_lastUpdated');
    p.page = { after: cursor };
    const detail = explain(p).join('\n');
    expect(detail).toMatch(/INDEX resources_type_deleted_updated \(type=\? AND deleted=\? AND last_updated<\?\)/);
    expect(detail).not.toMatch(/SCAN r\b/);
  });

  it('the most selective condition drives; the others are per-row checks on the (rid, pid, ...) index', () => {
    // Reference (a few rows) + a broad code: listed by the reference, the code checked per row.
    const refToken = plan('Observation', 'subject=Patient/p123&code=http://loinc.org|8480-6');
    for (const detail of [explain(refToken).join('\n'), count(refToken)]) {
      expect(detail).toMatch(/idx_reference_target \(pid=\? AND target_id=\? AND target_type=\?\)/);
      expect(detail).toMatch(/idx_token_rid \(rid=\? AND pid=\? AND value=\? AND system=\?\)/);
      expect(detail).not.toMatch(/idx_token_value|SCAN/);
    }
    // Written the other way round, the same plan.
    expect(explain(plan('Observation', 'code=http://loinc.org|8480-6&subject=Patient/p123')).join('\n')).toMatch(/LIST SUBQUERY[^]*idx_reference_target/);
    // Dates with a reference: per-row checks on idx_date_rid, no date list.
    const dated = explain(plan('Observation', 'date=ge2024-01-01&date=lt2024-02-01&subject=Patient/p123')).join('\n');
    expect(dated).toMatch(/idx_reference_target/);
    expect(dated).toMatch(/COVERING INDEX idx_date_rid \(rid=\? AND pid=\?/);
    expect(dated).not.toMatch(/idx_date_lo|idx_date_hi|SCAN/);
    // Two dates on a single-valued parameter: one bounded range scan on lo (10 minutes: ~86 rows;
    // a denser range alone would walk the type, like gender=male below).
    const broad = plan('Observation', 'date=ge2024-01-01T01:00:00Z&date=lt2024-01-01T01:10:00Z');
    for (const detail of [explain(broad).join('\n'), count(broad)]) {
      expect(detail).toMatch(/idx_date_lo \(pid=\? AND lo>\? AND lo<\?\)/);
      expect(detail.match(/SEARCH idx_date /g)).toHaveLength(1);
      expect(detail).not.toMatch(/idx_date_rid/);
      expect(detail).not.toMatch(/SCAN/);
    }
  });

  it('dates of a parameter with open ends: the open rows come from their own index, nothing is scanned', async () => {
    const q = plan('CarePlan', 'date=ge2024-01-01T01:00:00Z&date=lt2024-01-01T02:00:00Z');
    for (const detail of [explain(q).join('\n'), count(q)]) {
      expect(detail).toMatch(/idx_date_lo \(pid=\? AND lo>\? AND lo<\?\)/);
      expect(detail).toMatch(/COVERING INDEX idx_date_open_end \(pid=\?/);
      expect(detail).not.toMatch(/SCAN/);
    }
    // The answer: every plan whose period overlaps that hour, open ones included (checked against the data).
    const dayLo = Date.UTC(2024, 0, 1, 1);
    const dayHi = Date.UTC(2024, 0, 1, 2);
    const expected: string[] = [];
    for (let i = 0; i < PATIENTS; i += 5) {
      const start = Date.UTC(2024, 0, 1) + i * 600 * 1000;
      const end = i % 10 ? start + 86_400 * 1000 : Infinity;
      // ge: the period ends at or after the day's start; lt: it starts before the day's end.
      if (end >= dayLo && start < dayHi) expected.push(`c${i}`);
    }
    expect(expected.some((id) => Number(id.slice(1)) % 10 === 0)).toBe(true);
    const found = await store.search(plan('CarePlan', 'date=ge2024-01-01T01:00:00Z&date=lt2024-01-01T02:00:00Z&_count=1000'));
    expect(found.versions.map((v) => v.id).sort()).toEqual(expected.sort());
  });

  it('a broad condition alone: the page walks the type in order and stops; the count lists', () => {
    for (const q of ['gender=male', '_has:Observation:subject:code=http://loinc.org|8480-6']) {
      const p = plan('Patient', q);
      const page = explain(p).join('\n');
      expect(page).toMatch(/resources_type_deleted \(type=\? AND deleted=\?\)/);
      expect(page).not.toMatch(/TEMP B-TREE|LIST SUBQUERY|SCAN/);
      const { count: c } = compileSearch(db, params, p);
      const detail = (db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.args) as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(detail).toMatch(/LIST SUBQUERY/);
      expect(detail).not.toMatch(/SCAN/);
    }
    // A selective condition alone still drives by its list.
    expect(explain(plan('Patient', 'name=Jensen1')).join('\n')).toMatch(/LIST SUBQUERY[^]*idx_string_norm/);
  });

  it('prints plans and timings', async () => {
    const lines: string[] = [];
    for (const [name, type, q] of CASES) {
      const first = plan(type, `${q}&_total=none`);
      const firstMs = await time(first);
      const cursor = await deepCursor(type, `${q}&_total=none`, 20);
      const later = plan(type, `${q}&_total=none`);
      if (cursor) later.page = { after: cursor };
      const laterMs = cursor ? await time(later) : NaN;
      const withTotal = await time(plan(type, q), 10);
      lines.push(
        `${name.padEnd(30)} first ${firstMs.toFixed(2).padStart(7)} ms | page 21 via cursor ${laterMs.toFixed(2).padStart(7)} ms | first+total ${withTotal.toFixed(2).padStart(7)} ms`,
      );
      lines.push(`    ${explain(later).join(' / ')}`);
    }
    console.log(lines.join('\n'));
  }, 600_000);
});
