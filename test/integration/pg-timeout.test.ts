import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFor, dropDatabaseFor, testPgUrl } from '../support/pg-databases.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * STATEMENT_TIMEOUT_MS on PostgreSQL: a statement that runs (here: waits) longer is cancelled, the request
 * gets a 503 OperationOutcome instead of hanging a worker, and the server serves again at once.
 */

let dataDir: string;
let srv: TestServer;
let blocker: pg.Client;

beforeAll(async () => {
  if (!testPgUrl) throw new Error('pg-timeout needs TEST_PG_URL (run it through npm run test:pg)');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-timeout-'));
  srv = await startTestServer({ DATA_DIR: dataDir, STATEMENT_TIMEOUT_MS: '300' });
  blocker = new pg.Client({ connectionString: await databaseFor(dataDir) });
  await blocker.connect();
});
afterAll(async () => {
  await blocker?.end();
  await srv?.close();
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

describe('statement timeout', () => {
  it('a search stuck behind a lock is cancelled with 503 and an OperationOutcome; afterwards all is well', async () => {
    const created = await fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Ventesen' }] } });
    expect(created.status).toBe(201);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE resources IN ACCESS EXCLUSIVE MODE');
    try {
      const started = Date.now();
      const res = await fhirFetch(`${srv.base}/Patient?family=Ventesen`);
      expect(res.status).toBe(503);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].code).toBe('timeout');
      expect(res.text).not.toMatch(/SELECT|statement|canceling/i); // no SQL or driver text
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await blocker.query('ROLLBACK');
    }
    const again = await fhirFetch(`${srv.base}/Patient?family=Ventesen`);
    expect(again.status).toBe(200);
    expect(again.body.entry.map((e: any) => e.resource.id)).toEqual([created.body.id]);
  });
});
