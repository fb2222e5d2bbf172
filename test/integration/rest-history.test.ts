import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type FhirResult, type TestServer } from '../support/server.js';
import { createResource, expectErrorOutcome, patient } from './rest-helpers.js';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface HistoryEntry {
  fullUrl?: string;
  resource?: { resourceType: string; id: string; meta: { versionId: string; lastUpdated: string }; active?: boolean };
  request: { method: string; url: string };
  response: { status: string; etag?: string; lastModified?: string };
}

/** Create, update, update, delete one Patient: four versions. */
async function patientWithHistory(): Promise<{ id: string; lastUpdated: string[] }> {
  const { id, res } = await createResource(base, patient());
  const times = [res.body.meta.lastUpdated as string];
  let body = res.body;
  for (const active of [false, true]) {
    await sleep(5);
    const up = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...body, active } });
    expect(up.status).toBe(200);
    body = up.body;
    times.push(body.meta.lastUpdated);
  }
  await sleep(5);
  const del = await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
  expect([200, 204]).toContain(del.status);
  return { id, lastUpdated: times };
}

describe('instance history', () => {
  it('lists every version newest first, with request and response per entry, deletes included', async () => {
    const { id, lastUpdated } = await patientWithHistory();
    const res = await fhirFetch(`${base}/Patient/${id}/_history`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('history');
    expect(res.body.total).toBe(4);
    const entries: HistoryEntry[] = res.body.entry;
    expect(entries).toHaveLength(4);
    for (const e of entries) expect(e.fullUrl).toBe(`${base}/Patient/${id}`);

    const [del, v3, v2, v1] = entries;
    expect(del.resource).toBeUndefined();
    expect(del.request).toEqual({ method: 'DELETE', url: `Patient/${id}` });
    expect(del.response.etag).toBe('W/"4"');
    expect(del.response.status).toMatch(/^20[04]/);

    expect(v3.resource!.meta.versionId).toBe('3');
    expect(v3.resource!.active).toBe(true);
    expect(v3.request).toEqual({ method: 'PUT', url: `Patient/${id}` });
    expect(v3.response.status).toMatch(/^200/);
    expect(v3.response.etag).toBe('W/"3"');
    expect(v3.response.lastModified).toBe(lastUpdated[2]);

    expect(v2.resource!.active).toBe(false);
    expect(v2.request.method).toBe('PUT');

    expect(v1.resource!.meta.versionId).toBe('1');
    expect(v1.request.method).toBe('POST');
    expect(v1.request.url).toBe('Patient');
    expect(v1.response.status).toMatch(/^201/);
    expect(v1.response.etag).toBe('W/"1"');
  });

  it('records PATCH versions as such', async () => {
    const { id } = await createResource(base, patient());
    const p = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify([{ op: 'replace', path: '/active', value: false }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(p.status).toBe(200);
    const res = await fhirFetch(`${base}/Patient/${id}/_history`);
    expect(res.body.entry[0].request.method).toBe('PATCH');
    expect(res.body.entry[0].resource.active).toBe(false);
  });

  it('pages with _count and next links that cover every version exactly once', async () => {
    const { id } = await patientWithHistory();
    const seen: string[] = [];
    let url: string | undefined = `${base}/Patient/${id}/_history?_count=3`;
    let pages = 0;
    while (url) {
      const res: FhirResult = await fhirFetch(url);
      expect(res.status, res.text).toBe(200);
      expect(res.body.total).toBe(4);
      expect(res.body.entry.length).toBeLessThanOrEqual(3);
      for (const e of res.body.entry as HistoryEntry[]) seen.push(e.response.etag!);
      url = res.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
      expect(++pages).toBeLessThan(5);
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(['W/"4"', 'W/"3"', 'W/"2"', 'W/"1"']);
  });

  it('_count=0 gives only the total, and no next link to follow', async () => {
    const { id } = await patientWithHistory();
    const res = await fhirFetch(`${base}/Patient/${id}/_history?_count=0`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(4);
    expect(res.body.entry ?? []).toHaveLength(0);
    expect(res.body.link.some((l: { relation: string }) => l.relation === 'next')).toBe(false);
  });

  it('paging is stable when new versions arrive between pages', async () => {
    const { id, res: created } = await createResource(base, patient());
    let body = created.body;
    for (let i = 0; i < 3; i++) {
      body = (await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...body, active: i % 2 === 0 } })).body;
    }
    const first = await fhirFetch(`${base}/Patient/${id}/_history?_count=2`);
    expect(first.body.entry.map((e: HistoryEntry) => e.response.etag)).toEqual(['W/"4"', 'W/"3"']);
    await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...body, active: false } });
    const next = first.body.link.find((l: { relation: string }) => l.relation === 'next').url;
    const second = await fhirFetch(next);
    expect(second.body.entry.map((e: HistoryEntry) => e.response.etag)).toEqual(['W/"2"', 'W/"1"']);
  });

  it('_since keeps only versions at or after the instant', async () => {
    const { id, lastUpdated } = await patientWithHistory();
    const res = await fhirFetch(`${base}/Patient/${id}/_history?_since=${encodeURIComponent(lastUpdated[1])}`);
    expect(res.status, res.text).toBe(200);
    const etags = res.body.entry.map((e: HistoryEntry) => e.response.etag);
    expect(etags).toEqual(['W/"4"', 'W/"3"', 'W/"2"']);
    expect(res.body.total).toBe(3);
  });

  it('_at gives the version current at that instant', async () => {
    const { id, lastUpdated } = await patientWithHistory();
    const at = (t: string) => fhirFetch(`${base}/Patient/${id}/_history?_at=${encodeURIComponent(t)}`);
    const v1 = await at(lastUpdated[0]);
    expect(v1.status, v1.text).toBe(200);
    expect(v1.body.entry.map((e: HistoryEntry) => e.response.etag)).toEqual(['W/"1"']);
    const between = new Date((Date.parse(lastUpdated[1]) + Date.parse(lastUpdated[2])) / 2).toISOString();
    if (between !== lastUpdated[1] && between !== lastUpdated[2]) {
      const v2 = await at(between);
      expect(v2.body.entry.map((e: HistoryEntry) => e.response.etag)).toEqual(['W/"2"']);
    }
    const before = await at(new Date(Date.parse(lastUpdated[0]) - 60_000).toISOString());
    expect(before.body.total).toBe(0);
  });

  it('answers 404 for a resource that never existed, but 200 for a deleted one', async () => {
    const res = await fhirFetch(`${base}/Patient/never-was/_history`);
    expect(res.status).toBe(404);
    expectErrorOutcome(res);
    const { id } = await patientWithHistory();
    expect((await fhirFetch(`${base}/Patient/${id}`)).status).toBe(410);
    expect((await fhirFetch(`${base}/Patient/${id}/_history`)).status).toBe(200);
  });

  it('rejects a malformed _since or _count with 400', async () => {
    const { id } = await createResource(base, patient());
    const since = await fhirFetch(`${base}/Patient/${id}/_history?_since=last-tuesday`);
    expect(since.status).toBe(400);
    expectErrorOutcome(since);
    const count = await fhirFetch(`${base}/Patient/${id}/_history?_count=many`);
    expect(count.status).toBe(400);
    expectErrorOutcome(count);
  });
});

describe('type and system history', () => {
  it('type history holds only that type, and every version of it', async () => {
    // Basic is used by no other test in this file, so the counts are exact.
    const { id: a, res: ra } = await createResource(base, { resourceType: 'Basic', code: { text: 'a' } });
    const { id: b } = await createResource(base, { resourceType: 'Basic', code: { text: 'b' } });
    await fhirFetch(`${base}/Basic/${a}`, { method: 'PUT', body: { ...ra.body, code: { text: 'a2' } } });
    await fhirFetch(`${base}/Basic/${b}`, { method: 'DELETE' });
    await createResource(base, patient());

    const res = await fhirFetch(`${base}/Basic/_history`);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('history');
    expect(res.body.total).toBe(4);
    const entries: HistoryEntry[] = res.body.entry;
    expect(entries.every((e) => e.fullUrl!.startsWith(`${base}/Basic/`))).toBe(true);
    expect(entries.map((e) => `${e.request.method} ${e.fullUrl!.split('/').pop()}`)).toEqual([
      `DELETE ${b}`,
      `PUT ${a}`,
      `POST ${b}`,
      `POST ${a}`,
    ]);
  });

  it('system history spans types and includes deletes', async () => {
    const before = (await fhirFetch(`${base}/_history?_count=1`)).body.total as number;
    await sleep(5);
    const { id: pid } = await createResource(base, patient());
    const { id: oid } = await createResource(base, { resourceType: 'Observation', status: 'final', code: { text: 'x' } });
    await fhirFetch(`${base}/Observation/${oid}`, { method: 'DELETE' });
    const res = await fhirFetch(`${base}/_history?_count=3`);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('history');
    expect(res.body.total).toBe(before + 3);
    const entries: HistoryEntry[] = res.body.entry;
    expect(entries.map((e) => `${e.request.method} ${e.fullUrl}`)).toEqual([
      `DELETE ${base}/Observation/${oid}`,
      `POST ${base}/Observation/${oid}`,
      `POST ${base}/Patient/${pid}`,
    ]);
    expect(res.body.link.some((l: { relation: string }) => l.relation === 'next')).toBe(true);
  });

  it('system history with _since returns only the newer versions', async () => {
    const { res: first } = await createResource(base, patient());
    await sleep(5);
    const { id: second } = await createResource(base, patient());
    const since = first.body.meta.lastUpdated as string;
    const cut = new Date(Date.parse(since) + 1).toISOString();
    const res = await fhirFetch(`${base}/_history?_since=${encodeURIComponent(cut)}`);
    expect(res.status).toBe(200);
    const urls = res.body.entry.map((e: HistoryEntry) => e.fullUrl);
    expect(urls).toEqual([`${base}/Patient/${second}`]);
  });

  it('history is read-only', async () => {
    const res = await fhirFetch(`${base}/Patient/_history`, { method: 'POST', body: patient() });
    expect(res.status).toBe(405);
    expectErrorOutcome(res);
  });
});
