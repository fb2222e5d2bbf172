import fs from 'node:fs';
import path from 'node:path';
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { adminCredentials, basic, bearer, registerClient, tokenFor, tokenRequest, type AdminCredentials } from '../support/auth.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * SMART Backend Services against the real server with AUTH=on: the admin client written on first start,
 * client_secret_basic and private_key_jwt at the token endpoint, bearer tokens on every FHIR request
 * (401 without a valid one, 403 when the scopes do not allow the interaction), registration and key
 * rotation without restart.
 */

let srv: TestServer;
let admin: AdminCredentials;
let adminToken: string;

async function organization(name: string): Promise<string> {
  const res = await fhirFetch(`${srv.base}/Organization`, { method: 'POST', body: { resourceType: 'Organization', name }, headers: bearer(adminToken) });
  expect(res.status).toBe(201);
  return `Organization/${res.body.id}`;
}

beforeAll(async () => {
  srv = await startTestServer({ AUTH: 'on' });
  admin = adminCredentials(srv.dataDir);
  adminToken = await tokenFor(srv.root, admin.client_id, admin.client_secret);
});
afterAll(async () => {
  await srv?.close();
});

describe('security on by default', () => {
  it('the first start wrote the admin client credentials, readable by the server user only', () => {
    const stat = fs.statSync(path.join(srv.dataDir, 'admin-client.json'));
    expect(stat.mode & 0o777).toBe(0o600);
    expect(admin.client_id).toBe('admin');
    expect(admin.client_secret.length).toBeGreaterThanOrEqual(40);
    expect(admin.token_endpoint).toBe(`${srv.root}/oauth2/token`);
  });

  it('without a token: 401 with an OperationOutcome and a Bearer challenge; metadata and the SMART configuration are public', async () => {
    const res = await fhirFetch(`${srv.base}/Patient`);
    expect(res.status).toBe(401);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('login');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="forlob"/);
    const metadata = await fhirFetch(`${srv.base}/metadata`);
    expect(metadata.status).toBe(200);
    const security = metadata.body.rest[0].security;
    expect(security.service[0].coding[0].code).toBe('SMART-on-FHIR');
    const uris = security.extension.find((e: any) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    expect(uris.extension).toContainEqual({ url: 'token', valueUri: `${srv.root}/oauth2/token` });
    const smart = await fetch(`${srv.base}/.well-known/smart-configuration`);
    expect(smart.status).toBe(200);
    const conf = (await smart.json()) as any;
    expect(conf.token_endpoint).toBe(`${srv.root}/oauth2/token`);
    expect(conf.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'private_key_jwt']);
    expect(conf.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    expect(conf.grant_types_supported).toEqual(['client_credentials']);
    const jwks = (await (await fetch(conf.jwks_uri)).json()) as any;
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys.every((k: any) => k.d === undefined)).toBe(true); // public halves only
  });

  it('AUTH=off is refused unless the server listens on loopback', () => {
    expect(() => loadConfig({ AUTH: 'off', HOST: '0.0.0.0' })).toThrow(/loopback/);
    expect(() => loadConfig({ AUTH: 'off', HOST: '10.0.0.5' })).toThrow(/loopback/);
    expect(loadConfig({ AUTH: 'off', HOST: '127.0.0.1' }).auth).toBe('off');
    expect(loadConfig({ HOST: '0.0.0.0' }).auth).toBe('on');
    expect(() => loadConfig({ AUTH: 'maybe' })).toThrow(/Invalid AUTH/);
  });
});

describe('token endpoint', () => {
  it('client_secret_basic: a short-lived signed token with the granted scopes', async () => {
    const res = await tokenRequest(srv.root, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, { authorization: basic(admin.client_id, admin.client_secret) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'system/Patient.rs' });
    const header = decodeProtectedHeader(res.body.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const jwks = (await (await fetch(`${srv.root}/.well-known/jwks.json`)).json()) as any;
    expect(jwks.keys.map((k: any) => k.kid)).toContain(header.kid);
  });

  it('refuses a wrong secret, an unknown client, no client authentication, other grants and unknown scopes', async () => {
    const wrong = await tokenRequest(srv.root, { grant_type: 'client_credentials' }, { authorization: basic(admin.client_id, `${admin.client_secret}x`) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    const unknown = await tokenRequest(srv.root, { grant_type: 'client_credentials' }, { authorization: basic('nobody', 'secret') });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
    expect((await tokenRequest(srv.root, { grant_type: 'client_credentials' })).status).toBe(401);
    const grant = await tokenRequest(srv.root, { grant_type: 'password', username: 'a', password: 'b' }, { authorization: basic(admin.client_id, admin.client_secret) });
    expect([grant.status, grant.body.error]).toEqual([400, 'unsupported_grant_type']);
    const scope = await tokenRequest(srv.root, { grant_type: 'client_credentials', scope: 'patient/*.rs' }, { authorization: basic(admin.client_id, admin.client_secret) });
    expect([scope.status, scope.body.error]).toEqual([400, 'invalid_scope']);
  });

  it('a token this server did not sign, one for another audience, and garbage are 401', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const real = decodeProtectedHeader(adminToken);
    const forged = await new SignJWT({ scope: 'system/*.cruds admin', org: 'Organization/forlob-admin' })
      .setProtectedHeader({ alg: 'ES256', kid: real.kid, typ: 'at+jwt' })
      .setIssuer(srv.root).setAudience(srv.base).setSubject('admin').setIssuedAt().setExpirationTime('5m').sign(privateKey);
    for (const token of [forged, `${adminToken.slice(0, -4)}AAAA`, 'not-a-jwt', adminToken.split('.').slice(0, 2).join('.') + '.']) {
      const res = await fhirFetch(`${srv.base}/Patient`, { headers: bearer(token) });
      expect(res.status, token).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
    expect((await fhirFetch(`${srv.base}/Patient`, { headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } })).status).toBe(401);
  });
});

describe('scopes on every interaction', () => {
  let gpToken: string;
  let org: string;
  beforeAll(async () => {
    org = await organization('Lægehuset Nord');
    const reg = await registerClient(srv.root, adminToken, { client_name: 'GP system', organization: org, scope: 'system/Patient.rs system/Observation.cruds', token_endpoint_auth_method: 'client_secret_basic' });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ organization: org, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    gpToken = await tokenFor(srv.root, reg.body.client_id, reg.body.client_secret, 'system/*.cruds');
  });

  it('grants only what the client is allowed, and each interaction is checked against it', async () => {
    const created = await fhirFetch(`${srv.base}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Scopesen' }], generalPractitioner: [{ reference: org }] },
      headers: bearer(adminToken),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await fhirFetch(`${srv.base}/Patient/${id}`, { headers: bearer(gpToken) })).status).toBe(200);
    const found = await fhirFetch(`${srv.base}/Patient?family=Scopesen`, { headers: bearer(gpToken) });
    expect(found.body.entry.map((e: any) => e.resource.id)).toEqual([id]);
    const write = await fhirFetch(`${srv.base}/Patient/${id}`, { method: 'PUT', body: { ...created.body, active: false }, headers: bearer(gpToken) });
    expect(write.status).toBe(403);
    expect(write.body.issue[0].code).toBe('forbidden');
    expect(write.body.issue[0].diagnostics).toMatch(/system\/Patient\.u is needed/);
    const obs = await fhirFetch(`${srv.base}/Observation`, {
      method: 'POST',
      body: { resourceType: 'Observation', status: 'final', code: { text: 'HbA1c' }, subject: { reference: `Patient/${id}` } },
      headers: bearer(gpToken),
    });
    expect(obs.status).toBe(201);
    expect((await fhirFetch(`${srv.base}/CarePlan`, { headers: bearer(gpToken) })).status).toBe(403);
    // Definitions: readable by every authenticated client, written only with the admin scope.
    expect((await fhirFetch(`${srv.base}/PlanDefinition`, { headers: bearer(gpToken) })).status).toBe(200);
    const plan = { resourceType: 'PlanDefinition', status: 'draft', name: 'x' };
    expect((await fhirFetch(`${srv.base}/PlanDefinition`, { method: 'POST', body: plan, headers: bearer(gpToken) })).status).toBe(403);
    expect((await fhirFetch(`${srv.base}/$advance-clock`, { method: 'POST', body: { resourceType: 'Parameters' }, headers: bearer(gpToken) })).status).toBe(403);
    expect((await fhirFetch(`${srv.base}/Patient/${id}/$everything`, { headers: bearer(gpToken) })).status).toBe(403);
  });

  it('a transaction with one entry the scopes do not allow is refused whole, and nothing of it is written', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'Bundled-obs' } }, request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Bundlesen' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const res = await fhirFetch(srv.base, { method: 'POST', body: bundle, headers: bearer(gpToken) });
    expect(res.status).toBe(403);
    const left = await fhirFetch(`${srv.base}/Observation?code:text=Bundled-obs`, { headers: bearer(adminToken) });
    expect(left.body.entry ?? []).toHaveLength(0);
  });

  it('registering clients and rotating keys need the admin scope', async () => {
    const org = await organization('Kommune X');
    const res = await registerClient(srv.root, gpToken, { client_name: 'sneaky', organization: org, scope: 'system/*.cruds admin' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    const rotate = await fetch(`${srv.root}/oauth2/rotate-keys`, { method: 'POST', headers: bearer(gpToken) });
    expect(rotate.status).toBe(403);
    const bad = await registerClient(srv.root, adminToken, { client_name: 'no org', organization: 'Organization/does-not-exist', scope: 'system/*.rs' });
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_client_metadata']);
  });
});

describe('private_key_jwt', () => {
  let clientId: string;
  let privateKey: CryptoKey;
  let kid: string;

  const assertion = (overrides: { aud?: string; exp?: string; jti?: string; key?: CryptoKey } = {}) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(overrides.aud ?? `${srv.root}/oauth2/token`)
      .setExpirationTime(overrides.exp ?? '2m')
      .setJti(overrides.jti ?? crypto.randomUUID())
      .sign(overrides.key ?? privateKey);

  const withAssertion = async (jwt: string) =>
    tokenRequest(srv.root, { grant_type: 'client_credentials', scope: 'system/CarePlan.rs', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });

  beforeAll(async () => {
    const pair = await generateKeyPair('ES384');
    privateKey = pair.privateKey;
    kid = 'hospital-key-1';
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES384' };
    const reg = await registerClient(srv.root, adminToken, { client_name: 'Hospital EHR', organization: await organization('Medicinsk afdeling H'), scope: 'system/CarePlan.rs system/Task.cruds', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
    expect(reg.status).toBe(201);
    expect(reg.body.client_secret).toBeUndefined();
    clientId = reg.body.client_id;
  });

  it('a signed client assertion gets a token; the same assertion again does not', async () => {
    const jwt = await assertion();
    const first = await withAssertion(jwt);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.scope).toBe('system/CarePlan.rs');
    expect((await fhirFetch(`${srv.base}/CarePlan`, { headers: bearer(first.body.access_token) })).status).toBe(200);
    const replay = await withAssertion(jwt);
    expect([replay.status, replay.body.error]).toEqual([401, 'invalid_client']);
    expect(replay.body.error_description).toMatch(/jti/);
  });

  it('refuses an assertion for another audience, an expired one, one expiring too late, and one signed by another key', async () => {
    const { privateKey: other } = await generateKeyPair('ES384');
    const cases = [
      await assertion({ aud: 'https://elsewhere.example/token' }),
      await assertion({ exp: '-2m' }),
      await assertion({ exp: '1h' }),
      await assertion({ key: other }),
    ];
    for (const jwt of cases) {
      const res = await withAssertion(jwt);
      expect([res.status, res.body.error], JSON.stringify(res.body)).toEqual([401, 'invalid_client']);
    }
  });
});

describe('key rotation without restart', () => {
  it('tokens signed before a rotation stay valid; new ones use the new key; the JWK Set has both', async () => {
    const before = await tokenFor(srv.root, admin.client_id, admin.client_secret);
    const rotate = await fetch(`${srv.root}/oauth2/rotate-keys`, { method: 'POST', headers: bearer(adminToken) });
    expect(rotate.status).toBe(200);
    const { kid } = (await rotate.json()) as any;
    const after = await tokenFor(srv.root, admin.client_id, admin.client_secret);
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    expect(decodeProtectedHeader(before).kid).not.toBe(kid);
    for (const token of [before, after]) expect((await fhirFetch(`${srv.base}/Patient`, { headers: bearer(token) })).status).toBe(200);
    const jwks = (await (await fetch(`${srv.root}/.well-known/jwks.json`)).json()) as any;
    expect(jwks.keys.map((k: any) => k.kid)).toEqual(expect.arrayContaining([kid, decodeProtectedHeader(before).kid]));
  });
});

describe('token lifetime', () => {
  it('an expired access token is refused', async () => {
    const short = await startTestServer({ AUTH: 'on', TOKEN_TTL_SECONDS: '1' });
    try {
      const creds = adminCredentials(short.dataDir);
      const res = await tokenRequest(short.root, { grant_type: 'client_credentials' }, { authorization: basic(creds.client_id, creds.client_secret) });
      const { access_token: token, expires_in } = res.body;
      expect(expires_in).toBe(1);
      expect((await fhirFetch(`${short.base}/Patient`, { headers: bearer(token) })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const late = await fhirFetch(`${short.base}/Patient`, { headers: bearer(token) });
      expect(late.status).toBe(401);
      expect(late.body.issue[0].diagnostics).toMatch(/expired/);
    } finally {
      await short.close();
    }
  });
});

describe('hardening', () => {
  it('security headers on every answer; no stack traces or SQL in errors', async () => {
    for (const url of [`${srv.base}/metadata`, `${srv.base}/Patient`, `${srv.root}/.well-known/jwks.json`]) {
      const res = await fetch(url);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const bad = await fhirFetch(`${srv.base}/Patient?birthdate=${encodeURIComponent("ge1' OR 1=1; DROP TABLE resources")}`, { headers: bearer(adminToken) });
    expect(bad.status).toBe(400);
    expect(bad.text).not.toMatch(/\bat \S+\.(js|ts):\d+|SELECT |sqlite|postgres/i);
  });

  it('more than 200 query parameters: 400 too-costly', async () => {
    const query = Array.from({ length: 201 }, (_, i) => `name=n${i}`).join('&');
    const res = await fhirFetch(`${srv.base}/Patient?${query}`, { headers: bearer(adminToken) });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('too-costly');
  });

  it('per-client rate limit: 429 with Retry-After and an OperationOutcome, other clients unaffected', async () => {
    const limited = await startTestServer({ AUTH: 'on', RATE_LIMIT: '5' });
    try {
      const creds = adminCredentials(limited.dataDir);
      const token = await tokenFor(limited.root, creds.client_id, creds.client_secret);
      const answers = await Promise.all(Array.from({ length: 30 }, () => fhirFetch(`${limited.base}/Patient`, { headers: bearer(token) })));
      const throttled = answers.filter((a) => a.status === 429);
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(10); // the burst (2 × 5/s)
      expect(throttled.length).toBeGreaterThan(0);
      expect(Number(throttled[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(throttled[0].body.issue[0].code).toBe('throttled');
      // The token endpoint limits by address: guessing secrets in bulk is slowed down.
      const guesses = await Promise.all(
        Array.from({ length: 70 }, () => tokenRequest(limited.root, { grant_type: 'client_credentials' }, { authorization: basic('admin', 'guess') }).then((r) => r.status)),
      );
      expect(guesses).toContain(429);
      expect(guesses.filter((s) => s !== 429 && s !== 401)).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});
