import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { TEST_SYSTEM, createResource, currentVersion, expectErrorOutcome, historyTotal, patient, uniqueValue } from './rest-helpers.js';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

const ident = (value: string) => ({ identifier: [{ system: TEST_SYSTEM, value }] });
const criteria = (value: string) => `identifier=${encodeURIComponent(`${TEST_SYSTEM}|${value}`)}`;

describe('conditional create (If-None-Exist)', () => {
  it('0 matches: creates (201)', async () => {
    const value = uniqueValue();
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient(ident(value)),
      headers: { 'if-none-exist': criteria(value) },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('location')).toBe(`${base}/Patient/${res.body.id}/_history/1`);
  });

  it('1 match: returns the existing resource with 200 and creates nothing', async () => {
    const value = uniqueValue();
    const { id } = await createResource(base, patient(ident(value)));
    const before = await historyTotal(base, 'Patient');
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient({ ...ident(value), active: false }),
      headers: { 'if-none-exist': criteria(value) },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.id).toBe(id);
    expect(res.body.active).toBe(true);
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(await historyTotal(base, 'Patient')).toBe(before);
  });

  it('also accepts the criteria as a relative URL (Patient?identifier=...)', async () => {
    const value = uniqueValue();
    const { id } = await createResource(base, patient(ident(value)));
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient(ident(value)),
      headers: { 'if-none-exist': `Patient?${criteria(value)}` },
    });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
  });

  it('several matches: 412 and nothing is created', async () => {
    const value = uniqueValue();
    await createResource(base, patient(ident(value)));
    await createResource(base, patient(ident(value)));
    const before = await historyTotal(base, 'Patient');
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient(ident(value)),
      headers: { 'if-none-exist': criteria(value) },
    });
    expect(res.status).toBe(412);
    expectErrorOutcome(res);
    expect(await historyTotal(base, 'Patient')).toBe(before);
  });

  it('a deleted match does not count', async () => {
    const value = uniqueValue();
    const { id } = await createResource(base, patient(ident(value)));
    await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient(ident(value)),
      headers: { 'if-none-exist': criteria(value) },
    });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(id);
  });

  it('unknown search parameters in the criteria are a 400, not an unconditional create', async () => {
    const before = await historyTotal(base, 'Patient');
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient(),
      headers: { 'if-none-exist': 'no-such-parameter=1' },
    });
    expect(res.status).toBe(400);
    expectErrorOutcome(res);
    expect(await historyTotal(base, 'Patient')).toBe(before);
  });
});

describe('conditional update (PUT /{type}?criteria)', () => {
  it('0 matches, no id in the body: creates with a server id (201)', async () => {
    const value = uniqueValue();
    const res = await fhirFetch(`${base}/Patient?${criteria(value)}`, { method: 'PUT', body: patient(ident(value)) });
    expect(res.status, res.text).toBe(201);
    expect(typeof res.body.id).toBe('string');
    expect(res.headers.get('location')).toBe(`${base}/Patient/${res.body.id}/_history/1`);
    const search = await fhirFetch(`${base}/Patient?${criteria(value)}`);
    expect(search.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([res.body.id]);
  });

  it('0 matches with an id in the body: creates with that id (201)', async () => {
    const value = uniqueValue();
    const id = uniqueValue('cu');
    const res = await fhirFetch(`${base}/Patient?${criteria(value)}`, { method: 'PUT', body: patient({ id, ...ident(value) }) });
    expect(res.status, res.text).toBe(201);
    expect(res.body.id).toBe(id);
    expect((await fhirFetch(`${base}/Patient/${id}`)).status).toBe(200);
  });

  it('1 match: updates that resource (200, next version)', async () => {
    const value = uniqueValue();
    const { id } = await createResource(base, patient(ident(value)));
    const res = await fhirFetch(`${base}/Patient?${criteria(value)}`, {
      method: 'PUT',
      body: patient({ ...ident(value), active: false }),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.id).toBe(id);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.headers.get('etag')).toBe('W/"2"');
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.active).toBe(false);
  });

  it('1 match but a different id in the body: 400 and nothing changes', async () => {
    const value = uniqueValue();
    const { id } = await createResource(base, patient(ident(value)));
    const res = await fhirFetch(`${base}/Patient?${criteria(value)}`, {
      method: 'PUT',
      body: patient({ id: 'someone-else', ...ident(value), active: false }),
    });
    expect(res.status).toBe(400);
    expectErrorOutcome(res);
    expect(await currentVersion(base, 'Patient', id)).toBe('1');
  });

  it('several matches: 412 and nothing changes', async () => {
    const value = uniqueValue();
    const a = await createResource(base, patient(ident(value)));
    const b = await createResource(base, patient(ident(value)));
    const before = await historyTotal(base, 'Patient');
    const res = await fhirFetch(`${base}/Patient?${criteria(value)}`, {
      method: 'PUT',
      body: patient({ ...ident(value), active: false }),
    });
    expect(res.status).toBe(412);
    expectErrorOutcome(res);
    expect(await historyTotal(base, 'Patient')).toBe(before);
    expect(await currentVersion(base, 'Patient', a.id)).toBe('1');
    expect(await currentVersion(base, 'Patient', b.id)).toBe('1');
  });
});

describe('conditional delete (DELETE /{type}?criteria)', () => {
  it('1 match: deletes it', async () => {
    const value = uniqueValue();
    const { id } = await createResource(base, patient(ident(value)));
    const res = await fhirFetch(`${base}/Patient?${criteria(value)}`, { method: 'DELETE' });
    expect([200, 204]).toContain(res.status);
    expect((await fhirFetch(`${base}/Patient/${id}`)).status).toBe(410);
    const search = await fhirFetch(`${base}/Patient?${criteria(value)}`);
    expect(search.body.entry ?? []).toHaveLength(0);
  });

  it('0 matches: succeeds and deletes nothing', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(`${base}/Patient?${criteria(uniqueValue())}`, { method: 'DELETE' });
    expect([200, 204]).toContain(res.status);
    expect(await historyTotal(base)).toBe(before);
  });

  it('several matches: 412 and nothing is deleted', async () => {
    const value = uniqueValue();
    const a = await createResource(base, patient(ident(value)));
    const b = await createResource(base, patient(ident(value)));
    const res = await fhirFetch(`${base}/Patient?${criteria(value)}`, { method: 'DELETE' });
    expect(res.status).toBe(412);
    expectErrorOutcome(res);
    expect((await fhirFetch(`${base}/Patient/${a.id}`)).status).toBe(200);
    expect((await fhirFetch(`${base}/Patient/${b.id}`)).status).toBe(200);
  });

  it('without criteria it is refused (never "delete everything")', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient`, { method: 'DELETE' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectErrorOutcome(res);
    expect((await fhirFetch(`${base}/Patient/${id}`)).status).toBe(200);
  });
});
