import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { it } from 'vitest';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan } from '../../src/search/parse.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { compileSearch } from '../../src/store/sqlite/search-sql.js';

it('bench', async () => {
  const dataDir = '/tmp/forlob-bench-db';
  const fresh = !fs.existsSync(dataDir);
  const store = new SqliteStore({ dataDir });
  void os; void path;
  const families = ['Sørensen', 'Jensen', 'Hansen', 'Nielsen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Rasmussen', 'Jørgensen'];
  const N = 20000;
  let t0 = performance.now();
  for (let b = 0; fresh && b < N / 500; b++) {
    await store.transaction(async (tx) => {
      for (let i = b * 500; i < (b + 1) * 500; i++) {
        const lastUpdated = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
        const p: Resource = { resourceType: 'Patient', id: `p${i}`, meta: { versionId: '1', lastUpdated },
          identifier: [{ system: 'urn:cpr', value: String(1000000 + i) }], name: [{ family: families[i % 10] + (i % 97), given: ['G' + i] }],
          gender: i % 2 ? 'male' : 'female', birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}` } as Resource;
        await tx.write({ type: 'Patient', id: `p${i}`, versionId: 1, lastUpdated, method: 'POST', json: JSON.stringify(p), index: extractIndex(p) });
        const o: Resource = { resourceType: 'Observation', id: `o${i}`, meta: { versionId: '1', lastUpdated }, status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: i % 3 ? '8480-6' : '29463-7' }] }, subject: { reference: `Patient/p${i}` },
          effectiveDateTime: lastUpdated, valueQuantity: { value: 100 + (i % 50), unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } } as Resource;
        await tx.write({ type: 'Observation', id: `o${i}`, versionId: 1, lastUpdated, method: 'POST', json: JSON.stringify(o), index: extractIndex(o) });
      }
    });
  }
  console.log(`insert ${Math.round((2 * N) / ((performance.now() - t0) / 1000))} resources/s`);
  const db = (store as any).readerDb;
  const cases: [string, string][] = [
    ['Patient', 'identifier=urn:cpr|1012345'],
    ['Patient', 'family=sorensen1'],
    ['Patient', 'name=jor&_count=20'],
    ['Patient', 'birthdate=1975&_count=20'],
    ['Patient', 'family=hansen&_sort=-birthdate&_count=20'],
    ['Observation', 'subject:Patient.identifier=urn:cpr|1012345'],
    ['Patient', '_has:Observation:subject:code=29463-7&family=jensen1&_count=10'],
    ['Observation', 'code=http://loinc.org|8480-6&value-quantity=gt140&_count=20'],
    ['Observation', 'subject=Patient/p77'],
    ['Patient', '_count=20&_sort=_lastUpdated'],
  ];
  for (const [type, q] of cases) {
    const query: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(q)) (query[k] ??= []).push(v);
    const { plan } = buildSearchPlan([type], query, { defaultCount: 20, maxCount: 1000 });
    const { page: sql } = compileSearch(db, (store as any).reader.params, plan);
    console.log(sql.sql);
    console.log((db.prepare('EXPLAIN QUERY PLAN ' + sql.sql).all(...sql.args) as { detail: string }[]).map((r) => '   ' + r.detail).join('\n'));
    let page = await store.search(plan);
    const n = 300;
    t0 = performance.now();
    for (let i = 0; i < n; i++) page = await store.search(plan);
    const ms = (performance.now() - t0) / n;
    console.log(`${type}?${q}: ${page.versions.length} of ${page.total}, ${ms.toFixed(3)} ms/search`);
  }
  void db;
  await store.close();

}, 300000);
