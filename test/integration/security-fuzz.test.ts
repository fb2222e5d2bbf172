import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCredentials, bearer, registerClient, tokenFor } from '../support/auth.js';
import { startTestServer, type TestServer } from '../support/server.js';

/*
 * At least 2,000 malformed or hostile requests against the running server with AUTH=on (broken JSON, deep
 * and huge bodies, wrong types, invalid ids and versions, SQL and FHIRPath injection in search parameters
 * and patches, forged, tampered, unsigned and foreign tokens), interleaved with valid writes. No answer
 * may be a 5xx, the server stays up, and the store afterwards holds exactly what the valid requests wrote.
 */

let srv: TestServer;
let adminToken: string;
let gpToken: string;
let hiddenPatient: string;

/** A small deterministic PRNG (mulberry32): the same requests every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(20261207);
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];

interface Probe {
  label: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A search whose criteria no resource meets: a 200 must come with no entries (injection did not widen it). */
  expectEmpty?: boolean;
}

async function send(p: Probe): Promise<{ status: number; text: string }> {
  // fetch sends no body with GET (the probe's body, if any, is dropped there).
  const res = await fetch(`${srv.root}${p.path}`, { method: p.method, headers: p.headers, body: p.method === 'GET' ? undefined : p.body });
  return { status: res.status, text: await res.text() };
}

const json = { 'content-type': 'application/fhir+json' };

beforeAll(async () => {
  srv = await startTestServer({ AUTH: 'on', MAX_BODY_BYTES: String(256 * 1024) });
  const admin = adminCredentials(srv.dataDir);
  adminToken = await tokenFor(srv.root, admin.client_id, admin.client_secret);
  const post = async (resource: object) => {
    const res = await fetch(`${srv.base}/${(resource as any).resourceType}`, { method: 'POST', headers: { ...json, ...bearer(adminToken) }, body: JSON.stringify(resource) });
    expect(res.status).toBe(201);
    return ((await res.json()) as any).id as string;
  };
  const gpOrg = await post({ resourceType: 'Organization', name: 'Fuzz GP' });
  await post({ resourceType: 'Patient', name: [{ family: 'Visible' }], generalPractitioner: [{ reference: `Organization/${gpOrg}` }] });
  hiddenPatient = await post({ resourceType: 'Patient', name: [{ family: 'Hidden' }] });
  const { body: gp } = await registerClient(srv.root, adminToken, { client_name: 'fuzz gp', organization: `Organization/${gpOrg}`, scope: 'system/*.cruds' });
  gpToken = await tokenFor(srv.root, gp.client_id, gp.client_secret);
});
afterAll(async () => {
  await srv?.close();
});

const VALID_PATIENT = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Fuzzsen', given: ['Ada'] }], birthDate: '1970-01-01', gender: 'female' });
const SQL = [`' OR '1'='1`, `1; DROP TABLE resources;--`, `%' UNION SELECT content FROM versions--`, `\\'`, `"`, `\u0000`, `a'||(SELECT 1)||'`, `) OR (1=1`, `*/ SELECT /*`, `$1`, `?`, `%00`, `%27`, 'x'.repeat(5000)];
/** Search criteria: no resource has such a value, so whatever the injection, nothing may match. */
const CRITERIA = ['name', 'family', 'identifier', '_id', 'birthdate', '_lastUpdated', 'general-practitioner', 'gender', '_has:Observation:subject:code', 'name:contains', 'identifier:of-type'];
/** Result parameters: refused (400) or applied to the match set as usual. */
const RESULT_PARAMS = ['_sort', '_count', '_include', '_revinclude', '_elements', '_summary', '_total', '_after', '_offset'];
const FHIRPATH = [
  'Patient.descendants().descendants().descendants()', "Patient.name.where(given.repeat(given).exists())", 'iif(true, 1/0, 2)', '(1 | 2 | 3).aggregate($total + $this, 0)',
  "Patient.name.select(%resource.name.select(%resource.name))", "Patient.trace('x', $this.descendants())", 'Patient.name[999999999999]', "Patient.`name`.where(family = 'x' or 1=1)", ')))', "'; DROP TABLE resources; --",
];

function hostileProbes(): Probe[] {
  const out: Probe[] = [];
  const token = () => pick([adminToken, gpToken]);
  // 1. Broken JSON bodies.
  for (let i = 0; i < 300; i++) {
    const cut = VALID_PATIENT.slice(0, Math.floor(rnd() * (VALID_PATIENT.length - 1)));
    const body = pick([cut, `${cut}}}}`, '{"resourceType":', 'null', '[]', '"Patient"', '{"resourceType":"Patient",,}', Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28]), '{"resourceType":"Patient","birthDate":1e999}', `{"resourceType":"Patient","__proto__":{"admin":true}}`]);
    out.push({ label: 'broken JSON', method: pick(['POST', 'PUT']), path: pick(['/fhir/Patient', '/fhir/Patient/fz1', '/fhir']), headers: { ...json, ...bearer(token()) }, body });
  }
  // 2. Deep nesting; 3. huge bodies.
  for (let i = 0; i < 50; i++) out.push({ label: 'deep JSON', method: 'POST', path: '/fhir/Patient', headers: { ...json, ...bearer(token()) }, body: `${'{"a":'.repeat(150 + i)}1${'}'.repeat(150 + i)}` });
  for (let i = 0; i < 10; i++) out.push({ label: 'huge body', method: 'POST', path: '/fhir/Patient', headers: { ...json, ...bearer(token()) }, body: JSON.stringify({ resourceType: 'Patient', text: 'x'.repeat(300 * 1024) }) });
  // 4. Wrong types and shapes.
  const wrong = [
    { resourceType: 'Observation' }, { resourceType: 'Hacker', id: 'x' }, { resourceType: 'Patient', id: 'other-id' }, { resourceType: 'Patient', name: 'Karen' },
    { resourceType: 'Patient', birthDate: 'yesterday' }, { resourceType: 'Patient', gender: 123 }, { resourceType: 'Patient', name: [{ family: ['a'] }] },
    { resourceType: 'Patient', identifier: { system: 1 } }, { resourceType: 'Patient', meta: { versionId: 'x'.repeat(100) } }, { resourceType: 'Patient', extension: [{ url: 42 }] },
    { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: '../../etc/passwd' } }] },
    { resourceType: 'Bundle', type: 'transaction', entry: 'nope' }, { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient?name=' + SQL[1] } }] },
  ];
  for (let i = 0; i < 200; i++) {
    const body = JSON.stringify(pick(wrong));
    out.push({ label: 'wrong types', method: pick(['POST', 'PUT']), path: pick(['/fhir/Patient', '/fhir/Patient/fz2', '/fhir']), headers: { ...json, ...bearer(token()) }, body });
  }
  // 5. Invalid ids and versions.
  const ids = ['..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(100), 'x%20y', '%E2%80%AE', "1'--", '*', '%2A', 'Patient', '_history', '-', '.', '..'];
  const versions = ['abc', '-1', '0', '1.5', '99999999999999999999', '1e3', '%00', "1'"];
  for (let i = 0; i < 350; i++) {
    const id = pick(ids);
    const p = pick([`/fhir/Patient/${id}`, `/fhir/Patient/${id}/_history/${pick(versions)}`, `/fhir/Patient/fz3/_history/${pick(versions)}`, `/fhir/${id}/${id}`, `/fhir/Patient/${id}/$everything`, `/fhir/CarePlan/${id}/$event`]);
    out.push({ label: 'invalid id/version', method: pick(['GET', 'DELETE', 'PUT', 'PATCH', 'POST']), path: p, headers: { ...json, ...bearer(token()) }, body: pick([undefined, VALID_PATIENT]) });
  }
  // 6. SQL injection attempts in search parameters.
  for (let i = 0; i < 600; i++) {
    const criterion = rnd() < 0.7;
    const q = `${encodeURIComponent(pick(criterion ? CRITERIA : RESULT_PARAMS))}=${encodeURIComponent(pick(SQL))}`;
    out.push({ label: 'SQL in search', method: 'GET', path: `/fhir/${pick(['Patient', 'Observation', 'CarePlan'])}?${q}`, headers: bearer(token()), expectEmpty: criterion });
  }
  // 7. FHIRPath injection: FHIRPath Patch paths and hostile patch documents.
  for (let i = 0; i < 150; i++) {
    const patch = pick([
      { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: pick(FHIRPATH) }, { name: 'value', valueString: 'x' }] }] },
      { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: pick(FHIRPATH) }] }] },
    ]);
    out.push({ label: 'FHIRPath patch', method: 'PATCH', path: '/fhir/Patient/fz1', headers: { ...json, ...bearer(token()) }, body: JSON.stringify(patch) });
  }
  return out;
}

async function tokenProbes(): Promise<Probe[]> {
  const out: Probe[] = [];
  const [h, p, s] = adminToken.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const foreign = await new SignJWT({ ...payload }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: JSON.parse(Buffer.from(h, 'base64url').toString()).kid }).sign(privateKey);
  const hmacKey = new TextEncoder().encode(JSON.stringify(await exportJWK(publicKey)));
  const confused = await new SignJWT({ ...payload }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(hmacKey);
  const forged = [
    foreign, confused,
    `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`,
    `${h}.${b64({ ...payload, scope: 'system/*.cruds admin', sub: 'someone' })}.${s}`,
    `${h}.${b64({ ...payload, exp: Math.floor(Date.now() / 1000) - 60 })}.${s}`,
    `${h}.${p}`, 'x'.repeat(8000), `${adminToken}x`, '', 'null', `${h}.${p}.${'A'.repeat(s.length)}`,
  ];
  for (let i = 0; i < 250; i++) {
    out.push({ label: 'forged token', method: pick(['GET', 'POST']), path: pick(['/fhir/Patient', `/fhir/Patient/${hiddenPatient}`, '/oauth2/register', '/oauth2/rotate-keys']), headers: { ...json, authorization: `${pick(['Bearer', 'bearer', 'Basic', 'Bearer  '])} ${pick(forged)}` }, body: pick([undefined, VALID_PATIENT]) });
  }
  // Another client's token for data it may not see: 404, never a 5xx or a leak.
  for (let i = 0; i < 60; i++) out.push({ label: 'foreign patient', method: 'GET', path: pick([`/fhir/Patient/${hiddenPatient}`, `/fhir/Patient/${hiddenPatient}/$everything`, `/fhir/Observation?subject=Patient/${hiddenPatient}`]), headers: bearer(gpToken) });
  // The token endpoint itself.
  const bodies = ['', 'grant_type=', 'grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=abc', 'grant_type=client_credentials&client_assertion=' + 'a.b.c', 'scope=' + encodeURIComponent(SQL[1]), '%%%', 'grant_type=client_credentials&scope=' + 'system/*.cruds '.repeat(500)];
  for (let i = 0; i < 100; i++) {
    const basic = pick(['', `Basic ${Buffer.from(`admin:${SQL[0]}`).toString('base64')}`, 'Basic !!!', `Basic ${Buffer.from('x'.repeat(4000)).toString('base64')}`, 'Basic YWRtaW4=']);
    out.push({ label: 'token endpoint', method: 'POST', path: '/oauth2/token', headers: { 'content-type': pick(['application/x-www-form-urlencoded', 'application/json', 'text/plain']), ...(basic && { authorization: basic }) }, body: pick(bodies) });
  }
  return out;
}

describe('hostile input', () => {
  it('2,000+ malformed and hostile requests: no 5xx, the server stays up, the store holds exactly the valid writes', async () => {
    const countAll = async () => {
      const res = await fetch(`${srv.base}?_summary=count&_total=accurate`, { headers: bearer(adminToken) });
      expect(res.status).toBe(200);
      return ((await res.json()) as any).total as number;
    };
    const before = await countAll();
    const probes = [...hostileProbes(), ...(await tokenProbes())];
    expect(probes.length).toBeGreaterThanOrEqual(2000);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const validIds: string[] = [];
    let accidental = 0;
    for (let i = 0; i < probes.length; i++) {
      if (i % 40 === 0) {
        // A valid write now and then: it must be kept whatever came before or after it.
        const res = await fetch(`${srv.base}/Patient`, { method: 'POST', headers: { ...json, ...bearer(adminToken) }, body: VALID_PATIENT });
        expect(res.status).toBe(201);
        validIds.push(((await res.json()) as any).id);
      }
      const p = probes[i];
      const { status, text } = await send(p).catch((err: Error) => {
        failures.push(`${p.label}: ${p.method} ${p.path.slice(0, 120)} → ${err.message}`);
        return { status: 0, text: '' };
      });
      // (An unknown parameter is ignored with a warning in an OperationOutcome entry, as FHIR's lenient handling says.)
      const matches = p.expectEmpty && status === 200 ? (JSON.parse(text).entry ?? []).filter((e: any) => e.search?.mode === 'match') : [];
      if (matches.length) failures.push(`${p.label}: ${p.path.slice(0, 120)} matched ${matches.length} resources`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) failures.push(`${p.label}: ${p.method} ${p.path.slice(0, 120)} → ${status}`);
      // Some generated input is valid after all (a create with a client-chosen meta.versionId, which the server
      // replaces; a path the client normalises to a plain create): it must be kept like any valid write.
      if (status === 201) accidental++;
    }
    expect(failures).toEqual([]);
    expect((await fetch(`${srv.root}/healthz`)).status).toBe(200);
    // Exactly the valid writes: nothing else was created, and what was created reads back whole.
    expect(await countAll()).toBe(before + validIds.length + accidental);
    expect(accidental).toBeLessThan(20);
    for (const id of validIds) {
      const res = await fetch(`${srv.base}/Patient/${id}`, { headers: bearer(adminToken) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).name[0].family).toBe('Fuzzsen');
    }
    // Mostly refusals (400, 401, 404, 413, …), and every kind of client error among them.
    const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
    expect(refused).toBeGreaterThan(probes.length / 2);
    for (const s of [400, 401, 404, 413]) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(0);
  }, 240_000);
});
