import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type FhirResult, type TestServer } from '../support/server.js';
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

interface ResponseEntry {
  fullUrl?: string;
  resource?: any;
  response: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: any };
}

const urn = () => `urn:uuid:${randomUUID()}`;
const ident = (value: string) => ({ identifier: [{ system: TEST_SYSTEM, value }] });
const criteria = (value: string) => `identifier=${encodeURIComponent(`${TEST_SYSTEM}|${value}`)}`;

function post(resource: Record<string, unknown>, fullUrl?: string, extra: Record<string, unknown> = {}) {
  return { ...(fullUrl ? { fullUrl } : {}), resource, request: { method: 'POST', url: resource.resourceType as string, ...extra } };
}

function bundle(type: 'batch' | 'transaction', entry: unknown[], headers: Record<string, string> = {}): Promise<FhirResult> {
  return fhirFetch(base, { method: 'POST', body: { resourceType: 'Bundle', type, entry }, headers });
}

/** "Patient/abc" from a response location ".../Patient/abc/_history/1". */
function refFromLocation(location: string): string {
  const m = /([A-Za-z]+)\/([A-Za-z0-9\-.]+)\/_history\/\d+$/.exec(location);
  expect(m, location).not.toBeNull();
  return `${m![1]}/${m![2]}`;
}

async function read(ref: string): Promise<FhirResult> {
  return fhirFetch(`${base}/${ref}`);
}

describe('batch', () => {
  it('processes entries independently, each with its own status, in request order', async () => {
    const { id: existing, res: ex } = await createResource(base, patient());
    const { id: doomed } = await createResource(base, patient());
    const res = await bundle('batch', [
      post(patient({ name: [{ family: 'Batch' }] })),
      post({ resourceType: 'Patient', gender: 'robot' }),
      { request: { method: 'GET', url: `Patient/${existing}` } },
      { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      { resource: { ...ex.body, active: false }, request: { method: 'PUT', url: `Patient/${existing}` } },
      { request: { method: 'DELETE', url: `Patient/${doomed}` } },
      { resource: { ...ex.body, active: true }, request: { method: 'PUT', url: `Patient/${existing}`, ifMatch: 'W/"1"' } },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('batch-response');
    const e: ResponseEntry[] = res.body.entry;
    expect(e).toHaveLength(7);

    expect(e[0].response.status).toMatch(/^201/);
    const created = refFromLocation(e[0].response.location!);
    expect((await read(created)).body.name).toEqual([{ family: 'Batch' }]);

    expect(e[1].response.status).toMatch(/^(400|422)/);
    expect(e[1].response.outcome.resourceType).toBe('OperationOutcome');

    expect(e[2].response.status).toMatch(/^200/);
    expect(e[2].resource.id).toBe(existing);

    expect(e[3].response.status).toMatch(/^404/);
    expect(e[3].response.outcome.resourceType).toBe('OperationOutcome');

    expect(e[4].response.status).toMatch(/^200/);
    expect(e[4].response.etag).toBe('W/"2"');

    expect(e[5].response.status).toMatch(/^20[04]/);
    expect((await read(`Patient/${doomed}`)).status).toBe(410);

    // Stale If-Match (entry 4 already made version 2): this entry alone fails.
    expect(e[6].response.status).toMatch(/^412/);
    const now = await read(`Patient/${existing}`);
    expect(now.body.meta.versionId).toBe('2');
    expect(now.body.active).toBe(false);
  });

  it('an empty batch answers an empty batch-response', async () => {
    const res = await bundle('batch', []);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry ?? []).toHaveLength(0);
  });
});

describe('transaction', () => {
  it('creates everything and rewrites urn:uuid references (including nested ones and narrative links)', async () => {
    const pUrn = urn();
    const eUrn = urn();
    const res = await bundle('transaction', [
      post(
        {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'HbA1c' },
          subject: { reference: pUrn },
          encounter: { reference: eUrn },
          text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><a href="${pUrn}">patient</a></div>` },
        },
        urn(),
      ),
      post(
        {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          subject: { reference: pUrn },
          extension: [{ url: 'http://example.org/fhir/StructureDefinition/ref', valueReference: { reference: pUrn } }],
        },
        eUrn,
      ),
      post(patient(), pUrn),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    const e: ResponseEntry[] = res.body.entry;
    expect(e).toHaveLength(3);
    for (const x of e) {
      expect(x.response.status).toMatch(/^201/);
      expect(x.response.etag).toBe('W/"1"');
      expect(x.response.location).toMatch(new RegExp(`^${base}/[A-Za-z]+/[^/]+/_history/1$`));
    }
    const obsRef = refFromLocation(e[0].response.location!);
    const encRef = refFromLocation(e[1].response.location!);
    const patRef = refFromLocation(e[2].response.location!);
    expect(patRef.startsWith('Patient/')).toBe(true);

    const obs = (await read(obsRef)).body;
    expect(obs.subject.reference).toBe(patRef);
    expect(obs.encounter.reference).toBe(encRef);
    expect(obs.text.div).toContain(patRef);
    expect(obs.text.div).not.toContain('urn:uuid');
    const enc = (await read(encRef)).body;
    expect(enc.subject.reference).toBe(patRef);
    expect(enc.extension[0].valueReference.reference).toBe(patRef);
    // The resources in the response carry the rewritten references too.
    expect(e[0].resource.subject.reference).toBe(patRef);
  });

  it('rewrites references to entries whose fullUrl is a URL on this server', async () => {
    const tempId = uniqueValue('temp');
    const res = await bundle('transaction', [
      post(patient(), `${base}/Patient/${tempId}`),
      post({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${tempId}` } }),
    ]);
    expect(res.status, res.text).toBe(200);
    const patRef = refFromLocation(res.body.entry[0].response.location);
    const obs = (await read(refFromLocation(res.body.entry[1].response.location))).body;
    expect(obs.subject.reference).toBe(patRef);
    // POST ignores the fullUrl's id: the server assigns one.
    expect(patRef).not.toBe(`Patient/${tempId}`);
  });

  it('rewrites references to PUT entries (client ids) by their urn:uuid fullUrl', async () => {
    const pUrn = urn();
    const id = uniqueValue('put');
    const res = await bundle('transaction', [
      post({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: pUrn } }),
      { fullUrl: pUrn, resource: patient({ id }), request: { method: 'PUT', url: `Patient/${id}` } },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.entry[1].response.status).toMatch(/^201/);
    expect(res.body.entry[1].response.location).toBe(`${base}/Patient/${id}/_history/1`);
    const obs = (await read(refFromLocation(res.body.entry[0].response.location))).body;
    expect(obs.subject.reference).toBe(`Patient/${id}`);
  });

  it('is all-or-nothing: one invalid entry and nothing is written', async () => {
    const { id, res: ex } = await createResource(base, patient());
    const before = await historyTotal(base);
    const pUrn = urn();
    const res = await bundle('transaction', [
      post(patient({ name: [{ family: 'Rollback' }] }), pUrn),
      post({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: pUrn } }),
      { resource: { ...ex.body, active: false }, request: { method: 'PUT', url: `Patient/${id}` } },
      { request: { method: 'DELETE', url: `Patient/${id}` } },
      post({ resourceType: 'Observation', status: 'not-a-status', code: { text: 'bad' } }),
    ]);
    expect([400, 422]).toContain(res.status);
    expectErrorOutcome(res);
    expect(JSON.stringify(res.body)).toContain('entry[4]');
    expect(await historyTotal(base)).toBe(before);
    const now = await read(`Patient/${id}`);
    expect(now.status).toBe(200);
    expect(now.body.meta.versionId).toBe('1');
    expect(now.body.active).toBe(true);
  });

  it('rolls back when a late entry fails a precondition (stale ifMatch → 412)', async () => {
    const { id: a } = await createResource(base, patient());
    const { id: b, res: rb } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${b}`, { method: 'PUT', body: { ...rb.body, active: false } });
    const before = await historyTotal(base);
    const res = await bundle('transaction', [
      { request: { method: 'DELETE', url: `Patient/${a}` } },
      post(patient()),
      { resource: { ...rb.body, active: true }, request: { method: 'PUT', url: `Patient/${b}`, ifMatch: 'W/"1"' } },
    ]);
    expect(res.status).toBe(412);
    expectErrorOutcome(res);
    expect(await historyTotal(base)).toBe(before);
    expect((await read(`Patient/${a}`)).status).toBe(200);
    expect(await currentVersion(base, 'Patient', b)).toBe('2');
  });

  it('rolls back when a GET entry fails (404)', async () => {
    const before = await historyTotal(base);
    const res = await bundle('transaction', [post(patient()), { request: { method: 'GET', url: 'Patient/not-there' } }]);
    expect(res.status).toBe(404);
    expectErrorOutcome(res);
    expect(await historyTotal(base)).toBe(before);
  });

  it('processes DELETE, then POST, then PUT/PATCH, then GET, and answers in request order', async () => {
    const { id: p1, res: r1 } = await createResource(base, patient());
    const { id: p3 } = await createResource(base, patient());
    const value = uniqueValue('order');
    const { id: p2 } = await createResource(base, patient(ident(value)));
    const res = await bundle('transaction', [
      // GET first in the bundle, processed last: it sees the PUT and PATCH below.
      { request: { method: 'GET', url: `Patient/${p1}` } },
      { request: { method: 'GET', url: `Patient/${p3}` } },
      // POST with ifNoneExist before the DELETE in the bundle; the DELETE runs first, so nothing matches.
      post(patient({ ...ident(value), name: [{ family: 'Successor' }] }), undefined, { ifNoneExist: criteria(value) }),
      { resource: { ...r1.body, active: false }, request: { method: 'PUT', url: `Patient/${p1}` } },
      {
        resource: {
          resourceType: 'Parameters',
          parameter: [
            {
              name: 'operation',
              part: [
                { name: 'type', valueCode: 'replace' },
                { name: 'path', valueString: 'Patient.active' },
                { name: 'value', valueBoolean: false },
              ],
            },
          ],
        },
        request: { method: 'PATCH', url: `Patient/${p3}` },
      },
      { request: { method: 'DELETE', url: `Patient?${criteria(value)}` } },
    ]);
    expect(res.status, res.text).toBe(200);
    const e: ResponseEntry[] = res.body.entry;
    expect(e).toHaveLength(6);
    expect(e[0].response.status).toMatch(/^200/);
    expect(e[0].resource.meta.versionId).toBe('2');
    expect(e[0].resource.active).toBe(false);
    expect(e[1].resource.meta.versionId).toBe('2');
    expect(e[1].resource.active).toBe(false);
    expect(e[2].response.status).toMatch(/^201/);
    const successor = refFromLocation(e[2].response.location!);
    expect(successor).not.toBe(`Patient/${p2}`);
    expect(e[3].response.status).toMatch(/^200/);
    expect(e[3].response.etag).toBe('W/"2"');
    expect(e[4].response.status).toMatch(/^200/);
    expect(e[5].response.status).toMatch(/^20[04]/);
    expect((await read(`Patient/${p2}`)).status).toBe(410);
    expect((await read(successor)).body.name).toEqual([{ family: 'Successor' }]);
  });

  it('ifNoneExist: an existing match is reused (200), references to it point at it, nothing new is created', async () => {
    const value = uniqueValue('ine');
    const { id } = await createResource(base, patient(ident(value)));
    const pUrn = urn();
    const res = await bundle('transaction', [
      post(patient(ident(value)), pUrn, { ifNoneExist: criteria(value) }),
      post({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: pUrn } }),
    ]);
    expect(res.status, res.text).toBe(200);
    const e: ResponseEntry[] = res.body.entry;
    expect(e[0].response.status).toMatch(/^200/);
    expect(e[0].response.location ?? e[0].fullUrl).toContain(`Patient/${id}`);
    const obs = (await read(refFromLocation(e[1].response.location!))).body;
    expect(obs.subject.reference).toBe(`Patient/${id}`);
    const search = await fhirFetch(`${base}/Patient?${criteria(value)}`);
    expect(search.body.entry).toHaveLength(1);
  });

  it('ifNoneExist: no match creates; several matches fail the whole transaction with 412', async () => {
    const fresh = uniqueValue('ine');
    const ok = await bundle('transaction', [post(patient(ident(fresh)), urn(), { ifNoneExist: criteria(fresh) })]);
    expect(ok.status).toBe(200);
    expect(ok.body.entry[0].response.status).toMatch(/^201/);

    const dup = uniqueValue('dup');
    await createResource(base, patient(ident(dup)));
    await createResource(base, patient(ident(dup)));
    const before = await historyTotal(base);
    const res = await bundle('transaction', [post(patient()), post(patient(ident(dup)), urn(), { ifNoneExist: criteria(dup) })]);
    expect(res.status).toBe(412);
    expectErrorOutcome(res);
    expect(await historyTotal(base)).toBe(before);
  });

  it('resolves conditional references to the single match', async () => {
    const value = uniqueValue('cref');
    const { id } = await createResource(base, patient(ident(value)));
    const res = await bundle('transaction', [
      post({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: `Patient?${criteria(value)}` },
      }),
    ]);
    expect(res.status, res.text).toBe(200);
    const obs = (await read(refFromLocation(res.body.entry[0].response.location))).body;
    expect(obs.subject.reference).toBe(`Patient/${id}`);
  });

  it('a conditional reference with no match or several matches fails with 412 and writes nothing', async () => {
    const before = await historyTotal(base);
    const none = await bundle('transaction', [
      post(patient()),
      post({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?${criteria(uniqueValue())}` } }),
    ]);
    expect(none.status).toBe(412);
    expectErrorOutcome(none);
    const dup = uniqueValue('dupref');
    await createResource(base, patient(ident(dup)));
    await createResource(base, patient(ident(dup)));
    const mid = await historyTotal(base);
    expect(mid).toBe(before + 2);
    const many = await bundle('transaction', [
      post({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?${criteria(dup)}` } }),
    ]);
    expect(many.status).toBe(412);
    expect(await historyTotal(base)).toBe(mid);
  });

  it('conditional update inside a transaction updates the match', async () => {
    const value = uniqueValue('tcu');
    const { id } = await createResource(base, patient(ident(value)));
    const res = await bundle('transaction', [
      { resource: patient({ ...ident(value), active: false }), request: { method: 'PUT', url: `Patient?${criteria(value)}` } },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^200/);
    const now = await read(`Patient/${id}`);
    expect(now.body.meta.versionId).toBe('2');
    expect(now.body.active).toBe(false);
  });

  it('accepts request URLs given as absolute URLs on this server, and GET searches', async () => {
    const value = uniqueValue('abs');
    const res = await bundle('transaction', [
      { resource: patient(ident(value)), request: { method: 'POST', url: `${base}/Patient` } },
      { request: { method: 'GET', url: `Patient?${criteria(value)}` } },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^201/);
    const searchset = res.body.entry[1].resource;
    expect(searchset.resourceType).toBe('Bundle');
    expect(searchset.type).toBe('searchset');
    expect(searchset.entry).toHaveLength(1);
    expect(`Patient/${searchset.entry[0].resource.id}`).toBe(refFromLocation(res.body.entry[0].response.location));
  });

  it('honours Prefer: return=minimal and return=OperationOutcome for entries', async () => {
    const minimal = await bundle('transaction', [post(patient())], { prefer: 'return=minimal' });
    expect(minimal.status).toBe(200);
    expect(minimal.body.entry[0].resource).toBeUndefined();
    expect(minimal.body.entry[0].response.status).toMatch(/^201/);
    expect(minimal.body.entry[0].response.location).toBeTruthy();
    const oo = await bundle('transaction', [post(patient())], { prefer: 'return=OperationOutcome' });
    expect(oo.status).toBe(200);
    expect(oo.body.entry[0].resource).toBeUndefined();
    expect(oo.body.entry[0].response.outcome.resourceType).toBe('OperationOutcome');
  });

  it('an empty transaction succeeds', async () => {
    const res = await bundle('transaction', []);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
  });

  it('handles a 1,000-entry Synthea-style transaction', async () => {
    const pUrn = urn();
    const encounters = Array.from({ length: 99 }, () => urn());
    const entries: unknown[] = [
      post(patient({ ...ident(uniqueValue('synthea')), gender: 'female', birthDate: '1948-02-11' }), pUrn),
    ];
    for (const eUrn of encounters) {
      entries.push(
        post(
          {
            resourceType: 'Encounter',
            status: 'finished',
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
            subject: { reference: pUrn },
            period: { start: '2020-01-01T08:00:00Z', end: '2020-01-01T08:30:00Z' },
          },
          eUrn,
        ),
      );
    }
    for (let i = 0; i < 900; i++) {
      entries.push(
        post(
          {
            resourceType: 'Observation',
            status: 'final',
            category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
            subject: { reference: pUrn },
            encounter: { reference: encounters[i % encounters.length] },
            effectiveDateTime: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
            valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          },
          urn(),
        ),
      );
    }
    expect(entries).toHaveLength(1000);
    const before = await historyTotal(base);
    const started = Date.now();
    const res = await bundle('transaction', entries, { prefer: 'return=minimal' });
    const ms = Date.now() - started;
    expect(res.status, res.text.slice(0, 500)).toBe(200);
    const e: ResponseEntry[] = res.body.entry;
    expect(e).toHaveLength(1000);
    expect(e.every((x) => x.response.status.startsWith('201'))).toBe(true);
    expect(await historyTotal(base)).toBe(before + 1000);
    const patRef = refFromLocation(e[0].response.location!);
    const lastObs = (await read(refFromLocation(e[999].response.location!))).body;
    expect(lastObs.subject.reference).toBe(patRef);
    expect(lastObs.encounter.reference).toBe(refFromLocation(e[1 + (899 % 99)].response.location!));
    const everything = await fhirFetch(`${base}/${patRef}/$everything`);
    expect(everything.status).toBe(200);
    expect(everything.body.entry).toHaveLength(1000);
    // Generous bound: catches pathological (quadratic) processing, not machine speed.
    expect(ms).toBeLessThan(25_000);
  }, 60_000);
});
