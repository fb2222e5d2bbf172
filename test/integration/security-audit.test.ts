import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCredentials, bearer, registerClient, tokenFor } from '../support/auth.js';
import { dropDatabaseFor } from '../support/pg-databases.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * The audit trail: one AuditEvent per FHIR request, successful or refused (who, what, which patient, when,
 * outcome), readable and searchable by patient and date with the admin scope only, never writable, and
 * kept across a restart.
 */

let dataDir: string;
let srv: TestServer;
let adminToken: string;
let gpToken: string;
let gpClient: string;
let gpOrg: string;
let patient: string;
let hidden: string;

async function start(): Promise<void> {
  srv = await startTestServer({ DATA_DIR: dataDir, AUTH: 'on' });
  const admin = adminCredentials(dataDir);
  adminToken = await tokenFor(srv.root, admin.client_id, admin.client_secret);
}

/** The audit events of a search, once at least `n` have been written (they are appended in batches). */
async function auditUntil(query: string, n: number): Promise<any[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await fhirFetch(`${srv.base}/AuditEvent?${query}`, { headers: bearer(adminToken) });
    expect(res.status, res.text).toBe(200);
    const events = (res.body.entry ?? []).map((e: any) => e.resource);
    if (events.length >= n || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-audit-'));
  await start();
  const org = await fhirFetch(`${srv.base}/Organization`, { method: 'POST', body: { resourceType: 'Organization', name: 'Audit GP' }, headers: bearer(adminToken) });
  gpOrg = `Organization/${org.body.id}`;
  const { body: client } = await registerClient(srv.root, adminToken, { client_name: 'audit gp', organization: gpOrg, scope: 'system/*.cruds' });
  gpClient = client.client_id;
  gpToken = await tokenFor(srv.root, client.client_id, client.client_secret);
  patient = (await fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Auditsen' }], generalPractitioner: [{ reference: gpOrg }] }, headers: bearer(adminToken) })).body.id;
  hidden = (await fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Hemmelig' }] }, headers: bearer(adminToken) })).body.id;
});
afterAll(async () => {
  await srv?.close();
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

describe('audit trail', () => {
  it('records reads, searches and writes of a patient\'s data with who, what, when and outcome', async () => {
    expect((await fhirFetch(`${srv.base}/Patient/${patient}`, { headers: bearer(gpToken) })).status).toBe(200);
    expect((await fhirFetch(`${srv.base}/Observation?subject=Patient/${patient}`, { headers: bearer(gpToken) })).status).toBe(200);
    const obs = await fhirFetch(`${srv.base}/Observation`, { method: 'POST', body: { resourceType: 'Observation', status: 'final', code: { text: 'BT' }, subject: { reference: `Patient/${patient}` } }, headers: bearer(gpToken) });
    expect(obs.status).toBe(201);
    expect((await fhirFetch(`${srv.base}/Observation/${obs.body.id}`, { headers: bearer(gpToken) })).status).toBe(200);

    const events = (await auditUntil(`patient=Patient/${patient}`, 5)).filter((e) => e.agent[0].who.identifier?.value === gpClient);
    const kinds = events.map((e) => `${e.subtype[0].code} ${e.action} ${e.outcome}`).sort();
    expect(kinds).toEqual(['create C 0', 'read R 0', 'read R 0', 'search-type R 0']);
    const read = events.find((e) => e.subtype[0].code === 'read' && e.entity.some((x: any) => x.what?.reference === `Observation/${obs.body.id}`));
    expect(read.agent).toEqual([
      { requestor: true, who: { identifier: { system: `${srv.root}/oauth2/clients`, value: gpClient } } },
      { requestor: false, who: { reference: gpOrg } },
    ]);
    expect(read.entity[0]).toMatchObject({ what: { reference: `Patient/${patient}` }, role: { code: '1' } });
    expect(Date.parse(read.recorded)).toBeGreaterThan(Date.now() - 60_000);
    const search = events.find((e) => e.subtype[0].code === 'search-type');
    expect(search.entity.some((x: any) => x.description === `subject=Patient%2F${patient}`)).toBe(true);
  });

  it('records refused access: a hidden patient (404), a missing scope (403), no token (401)', async () => {
    expect((await fhirFetch(`${srv.base}/Patient/${hidden}`, { headers: bearer(gpToken) })).status).toBe(404);
    expect((await fhirFetch(`${srv.base}/Patient/${hidden}`)).status).toBe(401);
    const events = await auditUntil(`patient=Patient/${hidden}`, 3);
    const failures = events.filter((e) => e.outcome === '4').map((e) => [e.outcomeDesc, e.agent[0].who.identifier?.value ?? e.agent[0].who.display]);
    expect(failures).toEqual(expect.arrayContaining([['HTTP 404', gpClient], ['HTTP 401', 'unauthenticated client']]));
    expect((await fhirFetch(`${srv.base}/AuditEvent`, { headers: bearer(gpToken) })).status).toBe(403);
  });

  it('searches by date; reads one event; refuses every write, also the admin\'s', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await auditUntil(`patient=Patient/${patient}&date=ge${future}`, 0))).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    const all = await auditUntil(`patient=Patient/${patient}&date=${today}&_count=2`, 2);
    expect(all).toHaveLength(2);
    const one = await fhirFetch(`${srv.base}/AuditEvent/${all[0].id}`, { headers: bearer(adminToken) });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(all[0]);
    for (const [method, url] of [['POST', 'AuditEvent'], ['PUT', `AuditEvent/${all[0].id}`], ['DELETE', `AuditEvent/${all[0].id}`], ['PATCH', `AuditEvent/${all[0].id}`]]) {
      const res = await fhirFetch(`${srv.base}/${url}`, { method, body: { resourceType: 'AuditEvent' }, headers: bearer(adminToken) });
      expect(res.status, `${method} ${url}`).toBe(405);
    }
    expect((await fhirFetch(`${srv.base}/AuditEvent?date=yesterday`, { headers: bearer(adminToken) })).status).toBe(400);
  });

  it('is kept across a restart', async () => {
    const before = await auditUntil(`patient=Patient/${patient}&_count=1000`, 1);
    await srv.close();
    await start();
    const after = await auditUntil(`patient=Patient/${patient}&_count=1000`, before.length);
    expect(after.slice(-before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
  });
});
