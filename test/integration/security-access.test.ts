import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { SKS, createPatient, createWorld, type World } from '../fixtures/programmes/http.js';
import { adminCredentials, bearer, registerClient, tokenFor } from '../support/auth.js';
import { dropDatabaseFor } from '../support/pg-databases.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { createResource } from './rest-helpers.js';

/*
 * The access matrix of issue 8: GP A (the patient's GP), GP B (not involved), municipality X (in the
 * patient's active CareTeam), hospital department H (owner of an open Task for the patient) and the admin,
 * each with every scope (system/*.cruds), so that only the organisation decides. The world is built with
 * AUTH=off, then the same store is served with AUTH=on.
 */

let dataDir: string;
let srv: TestServer;
let world: World;
let patient: string;
let otherPatient: string;
let taskId: string;
const tokens: Record<string, string> = {};
type Who = 'gpA' | 'gpB' | 'municipalityX' | 'hospitalH' | 'admin';
const WHO: Who[] = ['gpA', 'gpB', 'municipalityX', 'hospitalH', 'admin'];

const as = (who: Who) => bearer(tokens[who]);

/** A token with every scope (system/*.cruds) for a client newly registered for `organization`. */
async function clientFor(organization: string): Promise<string> {
  const reg = await registerClient(srv.root, tokens.admin, { client_name: organization, organization, scope: 'system/*.cruds' });
  expect(reg.status).toBe(201);
  return tokenFor(srv.root, reg.body.client_id, reg.body.client_secret);
}

/** Status per client of the same request. */
async function matrix(request: (who: Who) => Promise<{ status: number }>): Promise<Record<Who, number>> {
  const out = {} as Record<Who, number>;
  for (const who of WHO) out[who] = (await request(who)).status;
  return out;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-access-'));
  const setup = await startTestServer({ DATA_DIR: dataDir });
  await loadFixtures(setup.base, ['fixture-diabetes']);
  world = await createWorld(setup.base);
  patient = (await createPatient(setup.base, world, { diagnoses: [[SKS, 'DE119']] })).id;
  const gpB = (await createResource(setup.base, { resourceType: 'Organization', name: 'Lægehuset Syd' })).id;
  otherPatient = (await createResource(setup.base, { resourceType: 'Patient', name: [{ family: 'Andersen' }], generalPractitioner: [{ reference: `Organization/${gpB}` }] })).id;
  await createResource(setup.base, { resourceType: 'Observation', status: 'final', code: { text: 'HbA1c' }, subject: { reference: `Patient/${patient}` } });
  await createResource(setup.base, {
    resourceType: 'CareTeam',
    status: 'active',
    subject: { reference: `Patient/${patient}` },
    participant: [{ member: { reference: `Organization/${world.municipality}` } }],
  });
  taskId = (await createResource(setup.base, {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    for: { reference: `Patient/${patient}` },
    owner: { reference: `Organization/${world.hospital}` },
  })).id;
  await setup.close();

  srv = await startTestServer({ DATA_DIR: dataDir, AUTH: 'on' });
  const admin = adminCredentials(dataDir);
  tokens.admin = await tokenFor(srv.root, admin.client_id, admin.client_secret);
  tokens.gpA = await clientFor(`Organization/${world.practice}`);
  tokens.gpB = await clientFor(`Organization/${gpB}`);
  tokens.municipalityX = await clientFor(`Organization/${world.municipality}`);
  tokens.hospitalH = await clientFor(`Organization/${world.hospital}`);
});

afterAll(async () => {
  await srv?.close();
  if (dataDir) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropDatabaseFor(dataDir);
  }
});

describe('who sees a patient', () => {
  it('read: the involved organisations and the admin; others get 404 as for a patient that does not exist', async () => {
    expect(await matrix((who) => fhirFetch(`${srv.base}/Patient/${patient}`, { headers: as(who) }))).toEqual({ gpA: 200, gpB: 404, municipalityX: 200, hospitalH: 200, admin: 200 });
    expect(await matrix((who) => fhirFetch(`${srv.base}/Patient/${otherPatient}`, { headers: as(who) }))).toEqual({ gpA: 404, gpB: 200, municipalityX: 404, hospitalH: 404, admin: 200 });
    const hidden = await fhirFetch(`${srv.base}/Patient/${patient}`, { headers: as('gpB') });
    const absent = await fhirFetch(`${srv.base}/Patient/no-such-patient`, { headers: as('gpB') });
    expect(hidden.body.issue[0].code).toBe(absent.body.issue[0].code);
  });

  it('search: filtered in the query, totals count only what the client may see', async () => {
    const total = async (who: Who, query: string) => {
      const res = await fhirFetch(`${srv.base}/${query}${query.includes('?') ? '&' : '?'}_total=accurate`, { headers: as(who) });
      expect(res.status, res.text).toBe(200);
      return res.body.total as number;
    };
    const observations: Record<string, number> = {};
    const patients: Record<string, number> = {};
    for (const who of WHO) {
      observations[who] = await total(who, `Observation?subject=Patient/${patient}`);
      patients[who] = await total(who, 'Patient');
    }
    expect(observations).toEqual({ gpA: 1, gpB: 0, municipalityX: 1, hospitalH: 1, admin: 1 });
    expect(patients).toEqual({ gpA: 1, gpB: 1, municipalityX: 1, hospitalH: 1, admin: 2 });
    // Definitions and organisations are for everyone.
    for (const who of WHO) expect(await total(who, 'PlanDefinition')).toBeGreaterThan(0);
    // A search across types that hold patient data is the admin's.
    expect((await fhirFetch(`${srv.base}?_type=Patient,Observation`, { headers: as('gpA') })).status).toBe(403);
  });

  it('write: only for a patient the organisation is involved with; a refused write leaves nothing', async () => {
    const obs = () => ({ resourceType: 'Observation', status: 'final', code: { text: 'Weight' }, subject: { reference: `Patient/${patient}` } });
    expect(await matrix((who) => fhirFetch(`${srv.base}/Observation`, { method: 'POST', body: obs(), headers: as(who) }))).toEqual({
      gpA: 201, gpB: 403, municipalityX: 201, hospitalH: 201, admin: 201,
    });
    const weights = await fhirFetch(`${srv.base}/Observation?code:text=Weight&_total=accurate`, { headers: as('admin') });
    expect(weights.body.total).toBe(4);
    // Nor can B make itself involved by editing the patient it cannot see.
    const takeover = await fhirFetch(`${srv.base}/Patient/${patient}`, { method: 'PUT', body: { resourceType: 'Patient', id: patient, generalPractitioner: [{ reference: 'Organization/x' }] }, headers: as('gpB') });
    expect(takeover.status).toBe(404);
  });

  it('$everything: the involved organisations only', async () => {
    expect(await matrix((who) => fhirFetch(`${srv.base}/Patient/${patient}/$everything`, { headers: as(who) }))).toEqual({ gpA: 200, gpB: 404, municipalityX: 200, hospitalH: 200, admin: 200 });
  });

  it('$apply and $event: only an involved organisation enrols the patient and steps the course', async () => {
    const applyBody = { resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: `Patient/${patient}` }] };
    const refused = await fhirFetch(`${srv.base}/PlanDefinition/fixture-diabetes/$apply`, { method: 'POST', body: applyBody, headers: as('gpB') });
    expect(refused.status).toBe(404);
    const enrolled = await fhirFetch(`${srv.base}/PlanDefinition/fixture-diabetes/$apply`, { method: 'POST', body: applyBody, headers: as('gpA') });
    expect(enrolled.status, enrolled.text).toBe(201);
    const plan = enrolled.body.id;
    const consent = { resourceType: 'Parameters', parameter: [{ name: 'event', valueCode: 'CONSENT_GIVEN' }] };
    expect((await fhirFetch(`${srv.base}/CarePlan/${plan}/$event`, { method: 'POST', body: consent, headers: as('gpB') })).status).toBe(404);
    expect((await fhirFetch(`${srv.base}/CarePlan/${plan}/$event`, { method: 'POST', body: consent, headers: as('gpA') })).status).toBe(200);
    expect(await matrix((who) => fhirFetch(`${srv.base}/CarePlan/${plan}/$workflow`, { headers: as(who) }))).toEqual({ gpA: 200, gpB: 404, municipalityX: 200, hospitalH: 200, admin: 200 });
  });

  it('an organisation involved through an open Task loses access when the Task is done', async () => {
    const task = await fhirFetch(`${srv.base}/Task/${taskId}`, { headers: as('admin') });
    const done = await fhirFetch(`${srv.base}/Task/${taskId}`, { method: 'PUT', body: { ...task.body, status: 'completed' }, headers: as('admin') });
    expect(done.status, done.text).toBe(200);
    expect((await fhirFetch(`${srv.base}/Patient/${patient}`, { headers: as('hospitalH') })).status).toBe(404);
    expect((await fhirFetch(`${srv.base}/Patient/${patient}`, { headers: as('municipalityX') })).status).toBe(200);
  });

  it('an organisation is involved through its PractitionerRoles too: as GP, as a CareTeam member', async () => {
    const clinic = (await fhirFetch(`${srv.base}/Organization`, { method: 'POST', body: { resourceType: 'Organization', name: 'Klinik C' }, headers: as('admin') })).body.id;
    const clinicToken = await clientFor(`Organization/${clinic}`);
    const role = (await fhirFetch(`${srv.base}/PractitionerRole`, { method: 'POST', body: { resourceType: 'PractitionerRole', organization: { reference: `Organization/${clinic}` } }, headers: as('admin') })).body.id;
    const listed = (await fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', generalPractitioner: [{ reference: `PractitionerRole/${role}` }] }, headers: as('admin') })).body.id;
    const read = async (id: string, token: string) => (await fhirFetch(`${srv.base}/Patient/${id}`, { headers: bearer(token) })).status;
    expect(await read(listed, clinicToken)).toBe(200);
    expect(await read(listed, tokens.gpB)).toBe(404);

    expect(await read(otherPatient, clinicToken)).toBe(404);
    const team = await fhirFetch(`${srv.base}/CareTeam`, {
      method: 'POST',
      body: { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${otherPatient}` }, participant: [{ member: { reference: `PractitionerRole/${role}` } }] },
      headers: as('admin'),
    });
    expect(team.status, team.text).toBe(201);
    expect(await read(otherPatient, clinicToken)).toBe(200);
    const search = await fhirFetch(`${srv.base}/Patient?_total=accurate`, { headers: bearer(clinicToken) });
    expect(search.body.total).toBe(2);
    const ended = await fhirFetch(`${srv.base}/CareTeam/${team.body.id}`, { method: 'PUT', body: { ...team.body, status: 'inactive' }, headers: as('admin') });
    expect(ended.status).toBe(200);
    expect(await read(otherPatient, clinicToken)).toBe(404);
  });
});
