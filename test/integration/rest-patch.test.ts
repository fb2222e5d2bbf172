import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type FhirResult, type TestServer } from '../support/server.js';
import { TEST_SYSTEM, createResource, expectErrorOutcome, patient, uniqueValue } from './rest-helpers.js';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

function jsonPatch(url: string, ops: unknown, headers: Record<string, string> = {}): Promise<FhirResult> {
  return fhirFetch(url, {
    method: 'PATCH',
    rawBody: JSON.stringify(ops),
    headers: { 'content-type': 'application/json-patch+json', ...headers },
  });
}

function fhirPathPatch(url: string, operations: Record<string, unknown>[][], headers: Record<string, string> = {}): Promise<FhirResult> {
  return fhirFetch(url, {
    method: 'PATCH',
    body: { resourceType: 'Parameters', parameter: operations.map((part) => ({ name: 'operation', part })) },
    headers,
  });
}

async function expectUnchanged(id: string, expected: Record<string, unknown>): Promise<void> {
  const read = await fhirFetch(`${base}/Patient/${id}`);
  expect(read.status).toBe(200);
  expect(read.body.meta.versionId).toBe('1');
  for (const [k, v] of Object.entries(expected)) expect(read.body[k], k).toEqual(v);
}

describe('JSON Patch (application/json-patch+json)', () => {
  it('applies add, replace and remove and stores a new version', async () => {
    const { id } = await createResource(base, patient({ gender: 'female', telecom: [{ system: 'phone', value: '12345678' }] }));
    const res = await jsonPatch(`${base}/Patient/${id}`, [
      { op: 'replace', path: '/active', value: false },
      { op: 'add', path: '/birthDate', value: '1950-04-02' },
      { op: 'add', path: '/name/0/given/-', value: 'Marie' },
      { op: 'remove', path: '/telecom' },
      { op: 'test', path: '/gender', value: 'female' },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(res.headers.get('location')).toBe(`${base}/Patient/${id}/_history/2`);
    expect(res.body.meta.versionId).toBe('2');
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.active).toBe(false);
    expect(read.body.birthDate).toBe('1950-04-02');
    expect(read.body.name[0].given).toEqual(['Karen', 'Marie']);
    expect(read.body.telecom).toBeUndefined();
    expect(read.body.gender).toBe('female');
  });

  it('a failing test operation is 422 and nothing changes (no partial application)', async () => {
    const { id } = await createResource(base, patient({ gender: 'female' }));
    const res = await jsonPatch(`${base}/Patient/${id}`, [
      { op: 'replace', path: '/active', value: false },
      { op: 'test', path: '/gender', value: 'male' },
    ]);
    expect(res.status).toBe(422);
    expectErrorOutcome(res);
    await expectUnchanged(id, { active: true, gender: 'female' });
  });

  it('a path that does not exist is 422; a malformed operation is 400', async () => {
    const { id } = await createResource(base, patient());
    const missing = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'replace', path: '/birthDate', value: '2000-01-01' }]);
    expect(missing.status).toBe(422);
    expectErrorOutcome(missing);
    const malformed = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'frobnicate', path: '/active' }]);
    expect(malformed.status).toBe(400);
    expectErrorOutcome(malformed);
    const notArray = await jsonPatch(`${base}/Patient/${id}`, { op: 'replace', path: '/active', value: false });
    expect(notArray.status).toBe(400);
    await expectUnchanged(id, { active: true });
  });

  it('a patch that makes the resource invalid is rejected and nothing changes', async () => {
    const { id } = await createResource(base, patient());
    const res = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'add', path: '/gender', value: 'robot' }]);
    expect([400, 422]).toContain(res.status);
    expectErrorOutcome(res);
    const paths = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(paths.some((p: string) => p.includes('gender'))).toBe(true);
    await expectUnchanged(id, { gender: undefined });
  });

  it('a patch may not change the id or resourceType (400)', async () => {
    const { id } = await createResource(base, patient());
    const res = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'replace', path: '/id', value: 'other' }]);
    expect(res.status).toBe(400);
    expectErrorOutcome(res);
    const type = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'replace', path: '/resourceType', value: 'Group' }]);
    expect(type.status).toBe(400);
    await expectUnchanged(id, { id });
  });

  it('honours If-Match', async () => {
    const { id } = await createResource(base, patient());
    const ok = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'replace', path: '/active', value: false }], { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    const stale = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'replace', path: '/active', value: true }], { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expectErrorOutcome(stale);
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('2');
    expect(read.body.active).toBe(false);
  });

  it('404 for an unknown id, 410 for a deleted one', async () => {
    const unknown = await jsonPatch(`${base}/Patient/no-such-id`, [{ op: 'replace', path: '/active', value: false }]);
    expect(unknown.status).toBe(404);
    expectErrorOutcome(unknown);
    const { id } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    const gone = await jsonPatch(`${base}/Patient/${id}`, [{ op: 'replace', path: '/active', value: false }]);
    expect(gone.status).toBe(410);
  });
});

describe('FHIRPath Patch (Parameters)', () => {
  it('applies replace, add, insert and delete', async () => {
    const { id } = await createResource(
      base,
      patient({
        name: [{ family: 'Jensen', given: ['Karen'] }, { use: 'old', family: 'Olsen' }],
        telecom: [{ system: 'phone', value: '11111111' }],
      }),
    );
    const res = await fhirPathPatch(`${base}/Patient/${id}`, [
      [
        { name: 'type', valueCode: 'replace' },
        { name: 'path', valueString: 'Patient.active' },
        { name: 'value', valueBoolean: false },
      ],
      [
        { name: 'type', valueCode: 'add' },
        { name: 'path', valueString: 'Patient' },
        { name: 'name', valueString: 'birthDate' },
        { name: 'value', valueDate: '1961-07-15' },
      ],
      [
        { name: 'type', valueCode: 'insert' },
        { name: 'path', valueString: 'Patient.telecom' },
        { name: 'index', valueInteger: 0 },
        { name: 'value', valueContactPoint: { system: 'email', value: 'k@example.dk' } },
      ],
      [
        { name: 'type', valueCode: 'delete' },
        { name: 'path', valueString: "Patient.name.where(use = 'old')" },
      ],
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.headers.get('etag')).toBe('W/"2"');
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.active).toBe(false);
    expect(read.body.birthDate).toBe('1961-07-15');
    expect(read.body.telecom).toEqual([
      { system: 'email', value: 'k@example.dk' },
      { system: 'phone', value: '11111111' },
    ]);
    expect(read.body.name).toEqual([{ family: 'Jensen', given: ['Karen'] }]);
  });

  it('is accepted with Content-Type application/json as well', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify({
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
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.active).toBe(false);
  });

  it('an unknown operation type or bad path is a 4xx and nothing changes', async () => {
    const { id } = await createResource(base, patient());
    const badType = await fhirPathPatch(`${base}/Patient/${id}`, [
      [
        { name: 'type', valueCode: 'explode' },
        { name: 'path', valueString: 'Patient.active' },
      ],
    ]);
    expect(badType.status).toBeGreaterThanOrEqual(400);
    expect(badType.status).toBeLessThan(500);
    expectErrorOutcome(badType);
    const badPath = await fhirPathPatch(`${base}/Patient/${id}`, [
      [
        { name: 'type', valueCode: 'replace' },
        { name: 'path', valueString: 'Patient.active.(((' },
        { name: 'value', valueBoolean: false },
      ],
    ]);
    expect(badPath.status).toBeGreaterThanOrEqual(400);
    expect(badPath.status).toBeLessThan(500);
    expectErrorOutcome(badPath);
    await expectUnchanged(id, { active: true });
  });

  it('a body that is not Parameters is 400', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, { method: 'PATCH', body: patient({ id }) });
    expect(res.status).toBe(400);
    expectErrorOutcome(res);
    await expectUnchanged(id, { active: true });
  });
});

describe('PATCH media types and conditional patch', () => {
  it('an unsupported Content-Type is 415', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, {
      method: 'PATCH',
      rawBody: '<diff/>',
      headers: { 'content-type': 'application/xml-patch+xml' },
    });
    expect(res.status).toBe(415);
    expectErrorOutcome(res);
  });

  it('conditional patch patches the single match; 0 matches is 404; several is 412', async () => {
    const value = uniqueValue('patch');
    const { id } = await createResource(base, patient({ identifier: [{ system: TEST_SYSTEM, value }] }));
    const url = `${base}/Patient?identifier=${encodeURIComponent(`${TEST_SYSTEM}|${value}`)}`;
    const res = await jsonPatch(url, [{ op: 'replace', path: '/active', value: false }]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.id).toBe(id);
    expect((await fhirFetch(`${base}/Patient/${id}`)).body.active).toBe(false);

    const none = await jsonPatch(`${base}/Patient?identifier=${encodeURIComponent(`${TEST_SYSTEM}|${uniqueValue()}`)}`, [
      { op: 'replace', path: '/active', value: false },
    ]);
    expect(none.status).toBe(404);
    expectErrorOutcome(none);

    const shared = uniqueValue('shared');
    const a = await createResource(base, patient({ identifier: [{ system: TEST_SYSTEM, value: shared }] }));
    const b = await createResource(base, patient({ identifier: [{ system: TEST_SYSTEM, value: shared }] }));
    const many = await jsonPatch(`${base}/Patient?identifier=${encodeURIComponent(`${TEST_SYSTEM}|${shared}`)}`, [
      { op: 'replace', path: '/active', value: false },
    ]);
    expect(many.status).toBe(412);
    expectErrorOutcome(many);
    await expectUnchanged(a.id, { active: true });
    await expectUnchanged(b.id, { active: true });
  });
});
