/**
 * Query plans and SQL timings of the search benchmark's query shapes on a store the benchmark kept:
 *
 *   npm run bench -- --mode=scaling --keep    # prints the data directories in the JSON ("dataDir")
 *   node dist/bench/explain.js --data-dir=/tmp/forlob-bench-server-1000p-XXXX [--query='Patient?name=Jen'] [--runs=20]
 *
 * Compiles each query with the server's own parser and SQL compiler (dist/src), then prints
 * `EXPLAIN QUERY PLAN` of the page and count queries and their mean run time (SQL only, no HTTP).
 * `{patient}` and `{cpr}` in a query are replaced by a patient of the store.
 */
import path from 'node:path';
import DatabaseConstructor from 'better-sqlite3';
import { buildSearchPlan } from '../src/search/parse.js';
import { ParamIds } from '../src/store/sqlite/param-ids.js';
import { compileSearch } from '../src/store/sqlite/search/run-search.js';
import { CPR_SYSTEM } from './data.js';
import { readOptions } from './lib/options.js';

const opts = readOptions({ dataDir: '', query: '', runs: 20 });
if (!opts.dataDir) throw new Error('--data-dir=<a kept benchmark data directory> is required');

const SHAPES = [
  `Patient?identifier=${CPR_SYSTEM}|{cpr}`,
  'Observation?subject=Patient/{patient}&code=http://loinc.org|4548-4',
  'Patient?name=Jen',
  'Observation?date=ge2023-01-01&date=lt2023-07-01&subject=Patient/{patient}',
  'Observation?date=ge2023-03-01&date=lt2023-04-01',
  'CarePlan?subject=Patient/{patient}',
  'Patient?_has:Condition:subject:code=http://hl7.org/fhir/sid/icd-10|E11.9&_count=20',
  `Condition?subject:Patient.identifier=${CPR_SYSTEM}|{cpr}`,
];

const db = new DatabaseConstructor(path.join(opts.dataDir, 'forlob.sqlite'), { readonly: true, fileMustExist: true });
const params = new ParamIds();
const patients = db.prepare(`SELECT r.id, v.content FROM resources r JOIN versions v ON v.rid = r.rid AND v.version = r.version
  WHERE r.type = 'Patient' AND r.deleted = 0 ORDER BY r.rid`).all() as { id: string; content: string }[];
const chosen = patients[Math.floor(patients.length / 2)];
if (!chosen) throw new Error('no patients in this store');
const cpr = (JSON.parse(chosen.content) as { identifier?: { system?: string; value?: string }[] }).identifier?.find((i) => i.system === CPR_SYSTEM)?.value ?? '';

function timeMs(run: () => unknown, runs: number): number {
  run(); // prepare and warm the cache
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) run();
  return Math.round(((performance.now() - t0) / runs) * 100) / 100;
}

for (const shape of opts.query ? [opts.query] : SHAPES) {
  const text = shape.replaceAll('{patient}', chosen.id).replaceAll('{cpr}', cpr);
  const [type, qs = ''] = text.split('?');
  const query: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(qs.replaceAll('|', '%7C'))) (query[k] ??= []).push(v);
  const { plan } = buildSearchPlan([type], query, { defaultCount: 20, maxCount: 1000 });
  const { page, count } = compileSearch(db, params, plan);
  process.stdout.write(`\n=== ${text}\n`);
  for (const [label, q] of [['page', page], ['count', count]] as const) {
    const stmt = db.prepare(q.sql);
    const rows = (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.args) as { id: number; parent: number; detail: string }[]);
    const depth = new Map<number, number>([[0, -1]]);
    const lines = rows.map((r) => {
      const d = (depth.get(r.parent) ?? -1) + 1;
      depth.set(r.id, d);
      return `    ${'  '.repeat(d)}${r.detail}`;
    });
    const n = label === 'page' ? (stmt.all(...q.args) as unknown[]).length : (stmt.get(...q.args) as { n: number }).n;
    const ms = timeMs(() => (label === 'page' ? stmt.all(...q.args) : stmt.get(...q.args)), opts.runs);
    process.stdout.write(`  ${label}: ${ms} ms per run, ${label === 'page' ? `${n} rows` : `count ${n}`}\n${lines.join('\n')}\n`);
  }
}
db.close();
