import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCredentials, bearer, registerKeyClient, tokenFor, type KeyClient } from '../support/auth.js';
import { dropDatabaseFor, testPgUrl } from '../support/pg-databases.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * Two nodes with AUTH=on sharing one PostgreSQL database and one public base (BASE_URL), as behind a
 * load balancer (PostgreSQL run only): a client assertion spent on one node is refused by the other, also
 * when both get it at the same moment; a token issued by one node is accepted by the other.
 */

let a: TestServer;
let b: TestServer;
let dataDir: string;
let client: KeyClient;
let audience: string;

beforeAll(async () => {
  if (!testPgUrl) throw new Error('pg-multinode-replay needs TEST_PG_URL (run it through npm run test:pg)');
  a = await startTestServer({ AUTH: 'on' });
  dataDir = a.dataDir;
  b = await startTestServer({ AUTH: 'on', DATA_DIR: dataDir, BASE_URL: a.base });
  audience = `${a.root}/oauth2/token`;
  const admin = adminCredentials(dataDir);
  const adminToken = await tokenFor(a.root, admin.client_id, admin.client_secret);
  const org = await fhirFetch(`${a.base}/Organization`, { method: 'POST', body: { resourceType: 'Organization', name: 'Regionshospital' }, headers: bearer(adminToken) });
  expect(org.status).toBe(201);
  client = await registerKeyClient(a.root, adminToken, `Organization/${org.body.id}`, 'system/Patient.rs');
});

afterAll(async () => {
  await b?.server.close();
  await a?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (dataDir) await dropDatabaseFor(dataDir);
});

describe('client assertions across nodes', () => {
  it('spent on node A, refused on node B', async () => {
    const jwt = await client.assertion(audience);
    const first = await client.tokenRequest(a.root, jwt);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const replay = await client.tokenRequest(b.root, jwt);
    expect([replay.status, replay.body.error]).toEqual([401, 'invalid_client']);
    expect(replay.body.error_description).toMatch(/jti was used before/);
    // The token node A issued is good on node B (the signing keys are in the shared store).
    expect((await fhirFetch(`${b.base}/Patient`, { headers: bearer(first.body.access_token) })).status).toBe(200);
  });

  it('sent to both nodes at the same moment, ten times: exactly one token each time', async () => {
    for (let round = 0; round < 10; round++) {
      const jwt = await client.assertion(audience);
      const answers = await Promise.all([client.tokenRequest(a.root, jwt), client.tokenRequest(b.root, jwt)]);
      expect(answers.map((r) => r.status).sort(), JSON.stringify(answers.map((r) => r.body))).toEqual([200, 401]);
    }
  });
});
