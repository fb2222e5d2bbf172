import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { SKS, apply, createPatient, createWorld, subject } from '../fixtures/programmes/http.js';
import { dropDatabaseFor, databaseFor, testPgUrl } from '../support/pg-databases.js';
import { freePort, spawnServer, waitForExit, type ServerProcess } from '../support/process.js';
import { fhirFetch } from '../support/server.js';
import { sendEvent, workflowOf } from '../support/workflow.js';

/*
 * Two server processes on different ports sharing ONE PostgreSQL database (runs in the PostgreSQL
 * configuration only, vitest.pg.config.ts): both migrate an empty database at the same moment; a write on
 * one node is readable on the other at once; conflicting writes through both nodes never lose an update.
 */

let dataDir: string;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  if (!testPgUrl) throw new Error('pg-multinode needs TEST_PG_URL (run it through npm run test:pg)');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-multinode-'));
  const env = { DATABASE_URL: await databaseFor(dataDir), SEED: 'none', SCHEDULER_INTERVAL_MS: '0' };
  // Both nodes start at once on the empty database: the migrations run exactly once, under the advisory lock.
  const [pa, pb] = await Promise.all([freePort(), freePort()]);
  [a, b] = await Promise.all([
    spawnServer(path.join(dataDir, 'a'), pa, env),
    spawnServer(path.join(dataDir, 'b'), pb, env),
  ]);
});

afterAll(async () => {
  for (const node of [a, b]) {
    if (!node) continue;
    node.child.kill('SIGTERM');
    await waitForExit(node.child);
  }
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

const patient = (family: string) => ({ resourceType: 'Patient', name: [{ family }] });

describe('two nodes, one PostgreSQL database', () => {
  it('a write on node A is readable on node B at once, and searchable there', async () => {
    const created = await fhirFetch(`${a.base}/Patient`, { method: 'POST', body: patient('Multinodesen') });
    expect(created.status).toBe(201);
    const read = await fhirFetch(`${b.base}/Patient/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.name[0].family).toBe('Multinodesen');
    const found = await fhirFetch(`${b.base}/Patient?family=Multinodesen`);
    expect(found.body.entry.map((e: any) => e.resource.id)).toEqual([created.body.id]);
  });

  it('concurrent updates with the same If-Match through both nodes: exactly one wins per version, the rest get 412', async () => {
    const created = await fhirFetch(`${a.base}/Patient`, { method: 'POST', body: patient('Raceson') });
    const id = created.body.id;
    let version = 1;
    let wins = 0;
    for (let round = 0; round < 10; round++) {
      const attempts = Array.from({ length: 6 }, (_, i) =>
        fhirFetch(`${(i % 2 ? b : a).base}/Patient/${id}`, {
          method: 'PUT',
          body: { ...patient(`Raceson-${round}-${i}`), id },
          headers: { 'if-match': `W/"${version}"` },
        }),
      );
      const results = await Promise.all(attempts);
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 412)).toBe(true);
      wins++;
      version++;
      const winner = results.find((r) => r.status === 200)!;
      // Both nodes see the winner's version at once.
      for (const node of [a, b]) {
        const now = await fhirFetch(`${node.base}/Patient/${id}`);
        expect(now.body.meta.versionId).toBe(String(version));
        expect(now.body.name[0].family).toBe(winner.body.name[0].family);
      }
    }
    const history = await fhirFetch(`${b.base}/Patient/${id}/_history?_count=100`);
    expect(history.body.total).toBe(1 + wins);
  });

  it('concurrent updates without If-Match through both nodes all apply, each on its own version (no lost update)', async () => {
    const created = await fhirFetch(`${a.base}/Patient`, { method: 'POST', body: patient('Lastwriter') });
    const id = created.body.id;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fhirFetch(`${(i % 2 ? b : a).base}/Patient/${id}`, { method: 'PUT', body: { ...patient(`Lastwriter-${i}`), id } })),
    );
    expect(results.map((r) => r.status).every((s) => s === 200)).toBe(true);
    const versions = results.map((r) => Number(r.body.meta.versionId)).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });

  it('many concurrent creates through both nodes: every acknowledged resource is readable on both, ids unique', async () => {
    const n = 400;
    const started = Date.now();
    const results: { id: string }[] = [];
    const worker = async (w: number) => {
      for (let i = w; i < n; i += 16) {
        const res = await fhirFetch(`${(i % 2 ? b : a).base}/Patient`, { method: 'POST', body: patient(`Bulk-${i}`) });
        expect(res.status).toBe(201);
        results.push({ id: res.body.id });
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    const seconds = (Date.now() - started) / 1000;
    console.log(`pg-multinode: ${n} creates through 2 nodes, 16 connections: ${(n / seconds).toFixed(0)} creates/s`);
    expect(new Set(results.map((r) => r.id)).size).toBe(n);
    for (const node of [a, b]) {
      const count = await fhirFetch(`${node.base}/Patient?family=Bulk&_summary=count`);
      expect(count.body.total).toBe(n);
    }
  });

  it('one workflow event race on a CarePlan through both nodes: one applies, the other gets 409, one transition recorded', async () => {
    await loadFixtures(a.base, ['fixture-diabetes']);
    const world = await createWorld(a.base);
    const p = await createPatient(a.base, world, { diagnoses: [[SKS, 'DE119']] });
    const enrolled = await apply(b.base, 'fixture-diabetes', [subject(p.id)]);
    expect(enrolled.status, enrolled.text).toBe(201);
    const id = enrolled.body.id;
    const before = (await workflowOf(b.base, id)).history.length;
    const [x, y] = await Promise.all([sendEvent(a.base, id, 'CONSENT_GIVEN'), sendEvent(b.base, id, 'CONSENT_DECLINED', { reason: 'changed mind' })]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    for (const node of [a, b]) expect((await workflowOf(node.base, id)).history.length).toBe(before + 1);
  });
});
