import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { createResource, currentVersion, expectErrorOutcome, patient } from './rest-helpers.js';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

describe('If-Match (optimistic locking)', () => {
  it('update with the current version succeeds', async () => {
    const { id, res } = await createResource(base, patient());
    const up = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      body: { ...res.body, active: false },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(up.status, up.text).toBe(200);
    expect(up.headers.get('etag')).toBe('W/"2"');
  });

  it('update with a stale version is 412 and changes nothing', async () => {
    const { id, res } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...res.body, active: false } });
    const stale = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      body: { ...res.body, name: [{ family: 'Stale' }] },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(stale.status).toBe(412);
    expectErrorOutcome(stale);
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('2');
    expect(read.body.name).toEqual([{ family: 'Jensen', given: ['Karen'] }]);
    expect(read.body.active).toBe(false);
  });

  it('patch with a stale version is 412 and changes nothing', async () => {
    const { id, res } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...res.body, active: false } });
    const stale = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify([{ op: 'replace', path: '/active', value: true }]),
      headers: { ...JSON_PATCH, 'if-match': 'W/"1"' },
    });
    expect(stale.status).toBe(412);
    expectErrorOutcome(stale);
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('2');
    expect(read.body.active).toBe(false);
  });

  it('delete with a stale version is 412 and the resource stays', async () => {
    const { id, res } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...res.body, active: false } });
    const stale = await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE', headers: { 'if-match': 'W/"1"' } });
    expect(stale.status).toBe(412);
    expectErrorOutcome(stale);
    expect(await currentVersion(base, 'Patient', id)).toBe('2');
    const ok = await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE', headers: { 'if-match': 'W/"2"' } });
    expect([200, 204]).toContain(ok.status);
    expect((await fhirFetch(`${base}/Patient/${id}`)).status).toBe(410);
  });

  it('a malformed If-Match is a client error, not a write', async () => {
    const { id, res } = await createResource(base, patient());
    const bad = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      body: { ...res.body, active: false },
      headers: { 'if-match': 'not-an-etag' },
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expectErrorOutcome(bad);
    expect(await currentVersion(base, 'Patient', id)).toBe('1');
  });
});

describe('conditional read', () => {
  it('If-None-Match with the current ETag gives 304 without a body', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, { headers: { 'if-none-match': 'W/"1"' } });
    expect(res.status).toBe(304);
    expect(res.text).toBe('');
    expect(res.headers.get('etag')).toBe('W/"1"');
  });

  it('If-None-Match with an older ETag gives 200 with the resource', async () => {
    const { id, res: created } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...created.body, active: false } });
    const res = await fhirFetch(`${base}/Patient/${id}`, { headers: { 'if-none-match': 'W/"1"' } });
    expect(res.status).toBe(200);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.headers.get('etag')).toBe('W/"2"');
  });

  it('If-Modified-Since at or after Last-Modified gives 304; before it gives 200', async () => {
    const { id, res: created } = await createResource(base, patient());
    const lastModified = created.headers.get('last-modified')!;
    const same = await fhirFetch(`${base}/Patient/${id}`, { headers: { 'if-modified-since': lastModified } });
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    const later = new Date(Date.parse(lastModified) + 60_000).toUTCString();
    expect((await fhirFetch(`${base}/Patient/${id}`, { headers: { 'if-modified-since': later } })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    const res = await fhirFetch(`${base}/Patient/${id}`, { headers: { 'if-modified-since': earlier } });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
  });

  it('If-None-Match wins over If-Modified-Since', async () => {
    const { id, res: created } = await createResource(base, patient());
    const later = new Date(Date.parse(created.headers.get('last-modified')!) + 60_000).toUTCString();
    const res = await fhirFetch(`${base}/Patient/${id}`, {
      headers: { 'if-none-match': 'W/"7"', 'if-modified-since': later },
    });
    expect(res.status).toBe(200);
  });
});

describe('Prefer: return=', () => {
  it('minimal: create answers 201 with headers and no body', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient(), headers: { prefer: 'return=minimal' } });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${base}/Patient/[^/]+/_history/1$`));
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBeTruthy();
    const id = location.split('/')[location.split('/').length - 3];
    expect((await fhirFetch(`${base}/Patient/${id}`)).status).toBe(200);
  });

  it('minimal: update answers 200 with no body', async () => {
    const { id, res: created } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      body: { ...created.body, active: false },
      headers: { prefer: 'return=minimal' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.get('etag')).toBe('W/"2"');
  });

  it('representation: the stored resource comes back', async () => {
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient(),
      headers: { prefer: 'return=representation' },
    });
    expect(res.status).toBe(201);
    expect(res.body.resourceType).toBe('Patient');
    expect(res.body.meta.versionId).toBe('1');
  });

  it('OperationOutcome: an OperationOutcome comes back instead of the resource', async () => {
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient(),
      headers: { prefer: 'return=OperationOutcome' },
    });
    expect(res.status).toBe(201);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.every((i: { severity: string }) => i.severity === 'information' || i.severity === 'warning')).toBe(true);
    expect(res.headers.get('location')).toMatch(/\/Patient\/[^/]+\/_history\/1$/);

    const { id, res: created } = await createResource(base, patient());
    const patched = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify([{ op: 'replace', path: '/active', value: false }]),
      headers: { ...JSON_PATCH, prefer: 'return=OperationOutcome' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.resourceType).toBe('OperationOutcome');
    expect(created.body.active).toBe(true);
    expect((await fhirFetch(`${base}/Patient/${id}`)).body.active).toBe(false);
  });

  it('minimal on PATCH answers without a body', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify([{ op: 'replace', path: '/active', value: false }]),
      headers: { ...JSON_PATCH, prefer: 'return=minimal' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.get('etag')).toBe('W/"2"');
  });

  it('errors are still OperationOutcomes under return=minimal', async () => {
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Observation', status: 'final', code: { text: 'x' } },
      headers: { prefer: 'return=minimal' },
    });
    expect(res.status).toBe(400);
    expectErrorOutcome(res);
  });

  it('reads ignore Prefer: return=minimal', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, { headers: { prefer: 'return=minimal' } });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
  });
});

describe('concurrent writers', () => {
  it('of concurrent updates with the same If-Match exactly one wins; the others get 412', async () => {
    const { id, res } = await createResource(base, patient());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fhirFetch(`${base}/Patient/${id}`, {
          method: 'PUT',
          body: { ...res.body, name: [{ family: `Writer${i}` }] },
          headers: { 'if-match': 'W/"1"' },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    const winner = results.find((r) => r.status === 200)!;
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('2');
    expect(read.body.name).toEqual(winner.body.name);
  });

  it('concurrent updates without If-Match are serialised: no version is lost or duplicated', async () => {
    const { id, res } = await createResource(base, patient());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...res.body, name: [{ family: `Writer${i}` }] } }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const versions = results.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b);
    expect(versions).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const hist = await fhirFetch(`${base}/Patient/${id}/_history`);
    expect(hist.body.total).toBe(11);
  });

  it('concurrent creates all succeed with distinct ids', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(20);
  });
});
