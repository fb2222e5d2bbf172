import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplica, stopCluster, type Cluster } from '../support/pg-cluster.mjs';
import { databaseFor, dropDatabaseFor, testPgUrl } from '../support/pg-databases.js';
import { freePort, spawnServer, waitForExit, type ServerProcess } from '../support/process.js';
import { fhirFetch } from '../support/server.js';

/*
 * DATABASE_READ_URL with a real streaming replica (a hot standby cloned from the test cluster by
 * pg_basebackup): searches read the replica, reads by id and every write the primary. Replay on the
 * replica is paused to make the lag visible: a client still reads its own write by id at once, and a
 * conditional create still finds it, while a search shows the replica's past until replay resumes.
 */

let dataDir: string;
let replica: Cluster | undefined;
let replicaAdmin: pg.Client | undefined;
let server: ServerProcess | undefined;

/** `databaseUrl` with the replica's host and port. */
function onReplica(databaseUrl: string, replicaUrl: string): string {
  const u = new URL(databaseUrl);
  u.host = new URL(replicaUrl).host;
  return u.toString();
}

beforeAll(async () => {
  if (!testPgUrl) throw new Error('pg-replica needs TEST_PG_URL (run it through npm run test:pg)');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-replica-'));
  const primary = await databaseFor(dataDir);
  replica = await startReplica(testPgUrl);
  replicaAdmin = new pg.Client({ connectionString: replica.url });
  await replicaAdmin.connect();
  server = await spawnServer(dataDir, await freePort(), {
    DATABASE_URL: primary,
    DATABASE_READ_URL: onReplica(primary, replica.url),
    SEED: 'none',
    SCHEDULER_INTERVAL_MS: '0',
  });
});

afterAll(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await waitForExit(server.child);
  }
  await replicaAdmin?.end();
  if (replica) stopCluster(replica.dir);
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

/** The entries of a search once `done` holds for them (the replica replays asynchronously), or after 15 s. */
async function searchUntil(query: string, done: (entries: any[]) => boolean): Promise<any[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fhirFetch(`${server!.base}/${query}`);
    expect(res.status, res.text).toBe(200);
    const entries = res.body.entry ?? [];
    if (done(entries) || Date.now() > deadline) return entries;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function replayPaused(paused: boolean): Promise<void> {
  await replicaAdmin!.query(paused ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');
  for (;;) {
    const { rows } = await replicaAdmin!.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state');
    if ((rows[0].state === 'paused') === paused) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const CPR = 'urn:oid:1.2.208.176.1.2';

describe('a streaming read replica (DATABASE_READ_URL)', () => {
  it('is a real standby: it refuses writes, and what the server writes on the primary is searchable there once replayed', async () => {
    await expect(replicaAdmin!.query('CREATE TABLE not_here (x int)')).rejects.toThrow(/read-only/);
    const created = await fhirFetch(`${server!.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Replicasen' }] } });
    expect(created.status).toBe(201);
    const entries = await searchUntil('Patient?family=Replicasen', (e) => e.length > 0);
    expect(entries.map((e) => e.resource.id)).toEqual([created.body.id]);
  });

  it('while the replica lags: reads by id and conditional creates see the primary, searches the replica', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: CPR, value: '0101901234' }], name: [{ family: 'Laggesen' }] };
    let id = '';
    await replayPaused(true);
    try {
      const created = await fhirFetch(`${server!.base}/Patient`, { method: 'POST', body });
      expect(created.status).toBe(201);
      id = created.body.id;

      // The client reads its own write at once: reads by id go to the primary.
      const read = await fhirFetch(`${server!.base}/Patient/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.name[0].family).toBe('Laggesen');

      // A search is served by the paused replica: it does not see the write yet.
      const lagging = await fhirFetch(`${server!.base}/Patient?family=Laggesen`);
      expect(lagging.status).toBe(200);
      expect(lagging.body.entry ?? []).toHaveLength(0);

      // A conditional create searches inside its write transaction, on the primary: no duplicate.
      const again = await fhirFetch(`${server!.base}/Patient`, { method: 'POST', body, headers: { 'if-none-exist': `identifier=${CPR}|0101901234` } });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(id);

      // An update with If-Match against the version the primary holds.
      const updated = await fhirFetch(`${server!.base}/Patient/${id}`, {
        method: 'PUT',
        body: { ...body, id, name: [{ family: 'Laggesen', given: ['Lis'] }] },
        headers: { 'if-match': 'W/"1"' },
      });
      expect(updated.status, updated.text).toBe(200);
    } finally {
      await replayPaused(false);
    }
    // Once replayed, the search shows the latest version, once.
    const entries = await searchUntil('Patient?family=Laggesen', (e) => e[0]?.resource.meta.versionId === '2');
    expect(entries.map((e) => [e.resource.id, e.resource.meta.versionId])).toEqual([[id, '2']]);
  });
});
