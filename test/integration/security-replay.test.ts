import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCredentials, bearer, registerKeyClient, tokenFor, type KeyClient } from '../support/auth.js';
import { dropDatabaseFor } from '../support/pg-databases.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * A private_key_jwt client assertion is good for one token only, also after the server restarts: its
 * jti is remembered in the store, not in the process (pg-multinode-replay: also across nodes).
 */

let srv: TestServer;
let client: KeyClient;
let audience: string;

beforeAll(async () => {
  srv = await startTestServer({ AUTH: 'on' });
  dataDir = srv.dataDir;
  audience = `${srv.root}/oauth2/token`;
  const admin = adminCredentials(srv.dataDir);
  const adminToken = await tokenFor(srv.root, admin.client_id, admin.client_secret);
  const org = await fhirFetch(`${srv.base}/Organization`, { method: 'POST', body: { resourceType: 'Organization', name: 'Regionshospital' }, headers: bearer(adminToken) });
  expect(org.status).toBe(201);
  client = await registerKeyClient(srv.root, adminToken, `Organization/${org.body.id}`, 'system/Patient.rs');
});

let dataDir: string;

afterAll(async () => {
  await srv?.close();
  // The restarted server was given its data directory: remove it (and its database) here.
  fs.rmSync(dataDir, { recursive: true, force: true });
  await dropDatabaseFor(dataDir);
});

describe('client assertions are single-use', () => {
  it('an assertion used before a restart is refused after it; a fresh one is not', async () => {
    const jwt = await client.assertion(audience);
    expect((await client.tokenRequest(srv.root, jwt)).status).toBe(200);
    // The same data directory (and database) and the same public base, as a restarted node has.
    await srv.server.close();
    srv = await startTestServer({ AUTH: 'on', DATA_DIR: dataDir, BASE_URL: srv.base });
    const replay = await client.tokenRequest(srv.root, jwt);
    expect([replay.status, replay.body.error]).toEqual([401, 'invalid_client']);
    expect(replay.body.error_description).toMatch(/jti was used before/);
    const fresh = await client.tokenRequest(srv.root, await client.assertion(audience));
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect((await fhirFetch(`${srv.base}/Patient`, { headers: bearer(fresh.body.access_token) })).status).toBe(200);
  });
});
