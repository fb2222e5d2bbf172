import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { createResource, expectErrorOutcome, patient, uniqueValue } from './rest-helpers.js';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

describe('create', () => {
  it('answers 201 with Location, ETag, Last-Modified and a server-assigned id and meta', async () => {
    const before = Date.now();
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ id: 'client-chosen' }) });
    expect(res.status, res.text).toBe(201);
    const body = res.body;
    expect(body.resourceType).toBe('Patient');
    // The server assigns the id: a client id in the body is ignored on create.
    expect(body.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(body.id).not.toBe('client-chosen');
    expect(body.meta.versionId).toBe('1');
    const lastUpdated = Date.parse(body.meta.lastUpdated);
    expect(body.meta.lastUpdated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    expect(lastUpdated).toBeGreaterThanOrEqual(before - 1000);
    expect(lastUpdated).toBeLessThanOrEqual(Date.now() + 1000);
    expect(body.name).toEqual([{ family: 'Jensen', given: ['Karen'] }]);

    expect(res.headers.get('location')).toBe(`${base}/Patient/${body.id}/_history/1`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    const lastModified = res.headers.get('last-modified');
    expect(lastModified).toBe(new Date(body.meta.lastUpdated).toUTCString());
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  });

  it('gives each create its own id', async () => {
    const a = await createResource(base, patient());
    const b = await createResource(base, patient());
    expect(a.id).not.toBe(b.id);
  });

  it('keeps the body as sent (apart from id and meta)', async () => {
    const resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      effectiveDateTime: '2024-03-01T10:00:00+01:00',
    };
    const { id } = await createResource(base, resource);
    const read = await fhirFetch(`${base}/Observation/${id}`);
    expect(read.status).toBe(200);
    const { id: _id, meta: _meta, ...rest } = read.body;
    expect(rest).toEqual(resource);
  });
});

describe('read and vread', () => {
  it('reads the current version with ETag and Last-Modified', async () => {
    const { id, res: created } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBe(created.headers.get('last-modified'));
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  });

  it('vreads every version, and the current one through _history too', async () => {
    const { id, res: v1 } = await createResource(base, patient());
    const v2 = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...v1.body, active: false } });
    expect(v2.status).toBe(200);
    const r1 = await fhirFetch(`${base}/Patient/${id}/_history/1`);
    expect(r1.status).toBe(200);
    expect(r1.body.active).toBe(true);
    expect(r1.body.meta.versionId).toBe('1');
    expect(r1.headers.get('etag')).toBe('W/"1"');
    const r2 = await fhirFetch(`${base}/Patient/${id}/_history/2`);
    expect(r2.status).toBe(200);
    expect(r2.body.active).toBe(false);
    expect(r2.headers.get('etag')).toBe('W/"2"');
  });

  it('answers 404 for a version that does not exist', async () => {
    const { id } = await createResource(base, patient());
    for (const vid of ['2', '0', 'abc']) {
      const res = await fhirFetch(`${base}/Patient/${id}/_history/${vid}`);
      expect(res.status, `vid ${vid}`).toBe(404);
      expectErrorOutcome(res);
    }
  });

  it('answers 404 for an id that never existed', async () => {
    const res = await fhirFetch(`${base}/Patient/does-not-exist`);
    expect(res.status).toBe(404);
    expectErrorOutcome(res);
    expect(res.body.issue[0].code).toBe('not-found');
  });
});

describe('update', () => {
  it('creates a new version with 200, Location, ETag and the new meta', async () => {
    const { id, res: created } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      body: { ...created.body, name: [{ family: 'Hansen' }] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.id).toBe(id);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.body.name).toEqual([{ family: 'Hansen' }]);
    expect(Date.parse(res.body.meta.lastUpdated)).toBeGreaterThanOrEqual(Date.parse(created.body.meta.lastUpdated));
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(res.headers.get('location')).toBe(`${base}/Patient/${id}/_history/2`);
    expect(res.headers.get('last-modified')).toBe(new Date(res.body.meta.lastUpdated).toUTCString());

    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.name).toEqual([{ family: 'Hansen' }]);
    expect(read.body.meta.versionId).toBe('2');
  });

  it('ignores a client meta.versionId: the server decides versions', async () => {
    const { id, res: created } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      body: { ...created.body, meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.body.meta.lastUpdated).not.toBe('2000-01-01T00:00:00Z');
  });

  it('creates on update with a client-chosen id (201)', async () => {
    const id = uniqueValue('client');
    const res = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: patient({ id }) });
    expect(res.status, res.text).toBe(201);
    expect(res.body.id).toBe(id);
    expect(res.body.meta.versionId).toBe('1');
    expect(res.headers.get('location')).toBe(`${base}/Patient/${id}/_history/1`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.status).toBe(200);
  });

  it('rejects an update whose body id differs from the URL (400) or is missing (400)', async () => {
    const { id, res: created } = await createResource(base, patient());
    const mismatch = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...created.body, id: 'other' } });
    expect(mismatch.status).toBe(400);
    expectErrorOutcome(mismatch);
    const { id: _drop, ...noId } = created.body;
    const missing = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: noId });
    expect(missing.status).toBe(400);
    expectErrorOutcome(missing);
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('1');
  });

  it('rejects an invalid id in the URL with 400', async () => {
    const bad = 'a'.repeat(65);
    const res = await fhirFetch(`${base}/Patient/${bad}`, { method: 'PUT', body: patient({ id: bad }) });
    expect(res.status).toBe(400);
    expectErrorOutcome(res);
  });
});

describe('delete', () => {
  it('deletes: 200/204, then read is 410 Gone while old versions stay readable', async () => {
    const { id } = await createResource(base, patient());
    const del = await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    expect([200, 204]).toContain(del.status);
    if (del.status === 200 && del.body) expect(del.body.resourceType).toBe('OperationOutcome');

    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.status).toBe(410);
    expectErrorOutcome(read);
    expect(read.body.issue[0].code).toBe('deleted');
    expect(read.headers.get('etag')).toBe('W/"2"');

    const old = await fhirFetch(`${base}/Patient/${id}/_history/1`);
    expect(old.status).toBe(200);
    expect(old.body.id).toBe(id);
    expect(old.body.meta.versionId).toBe('1');

    // The delete itself is a version: vread of it is 410 too.
    const deletedVersion = await fhirFetch(`${base}/Patient/${id}/_history/2`);
    expect(deletedVersion.status).toBe(410);
  });

  it('deleting again succeeds and changes nothing', async () => {
    const { id } = await createResource(base, patient());
    expect([200, 204]).toContain((await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' })).status);
    const again = await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    expect([200, 204]).toContain(again.status);
    const hist = await fhirFetch(`${base}/Patient/${id}/_history`);
    expect(hist.body.total).toBe(2);
  });

  it('deleting an id that never existed succeeds (R4 http.html#delete) and leaves it unknown (404)', async () => {
    const id = `never-existed-${Date.now()}`;
    const res = await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    expect([200, 204]).toContain(res.status);
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.status).toBe(404);
    expectErrorOutcome(read);
  });

  it('a deleted resource can be brought back by update (201, next version)', async () => {
    const { id, res: created } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    const res = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...created.body, active: false } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.meta.versionId).toBe('3');
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.active).toBe(false);
  });

  it('PATCH on a deleted resource is 410 and does not resurrect it', async () => {
    const { id } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    const patch = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify([{ op: 'replace', path: '/active', value: false }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(patch.status).toBe(410);
    expectErrorOutcome(patch);
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.status).toBe(410);
  });
});
