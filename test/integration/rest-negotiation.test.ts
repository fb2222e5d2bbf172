import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
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

/** A raw HTTP GET (no automatic decompression), to see the bytes and headers on the wire. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('JSON media types', () => {
  it('answers application/fhir+json by default and when asked for it', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, { headers: { accept: 'application/fhir+json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const noAccept = await fetch(`${base}/Patient/${id}`);
    expect(noAccept.status).toBe(200);
    expect(noAccept.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  });

  it('accepts Accept: application/json and a q-weighted list preferring XML but allowing JSON', async () => {
    const { id } = await createResource(base, patient());
    const json = await fhirFetch(`${base}/Patient/${id}`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(json.body.id).toBe(id);
    const mixed = await fhirFetch(`${base}/Patient/${id}`, {
      headers: { accept: 'application/fhir+xml;q=0.9, application/fhir+json;q=0.8' },
    });
    expect(mixed.status).toBe(200);
    expect(mixed.body.id).toBe(id);
  });

  it('accepts request bodies sent as application/json (with charset)', async () => {
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      rawBody: JSON.stringify(patient()),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.resourceType).toBe('Patient');
  });

  it('accepts _format=json and _format=application/fhir+json', async () => {
    const { id } = await createResource(base, patient());
    for (const f of ['json', 'application/fhir+json', 'application/json']) {
      const res = await fhirFetch(`${base}/Patient/${id}?_format=${encodeURIComponent(f)}`);
      expect(res.status, f).toBe(200);
      expect(res.body.id).toBe(id);
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    }
    const meta = await fhirFetch(`${base}/metadata?_format=json`);
    expect(meta.status).toBe(200);
    expect(meta.body.resourceType).toBe('CapabilityStatement');
  });

  it('refuses XML: 406 with an OperationOutcome in JSON', async () => {
    const { id } = await createResource(base, patient());
    const res = await fhirFetch(`${base}/Patient/${id}`, { headers: { accept: 'application/fhir+xml' } });
    expect(res.status).toBe(406);
    expectErrorOutcome(res);
    const fmt = await fhirFetch(`${base}/Patient/${id}?_format=xml`);
    expect(fmt.status).toBe(406);
    expectErrorOutcome(fmt);
  });

  it('refuses XML request bodies with 415', async () => {
    const res = await fhirFetch(`${base}/Patient`, {
      method: 'POST',
      rawBody: '<Patient xmlns="http://hl7.org/fhir"/>',
      headers: { 'content-type': 'application/fhir+xml' },
    });
    expect(res.status).toBe(415);
    expectErrorOutcome(res);
  });
});

describe('_pretty', () => {
  it('_pretty=true indents the JSON; without it the JSON is compact; both parse to the same resource', async () => {
    const { id } = await createResource(base, patient());
    const pretty = await fhirFetch(`${base}/Patient/${id}?_pretty=true`);
    expect(pretty.status).toBe(200);
    expect(pretty.text).toMatch(/\n\s{2}"resourceType": "Patient"/);
    const compact = await fhirFetch(`${base}/Patient/${id}`);
    expect(compact.text).not.toContain('\n');
    expect(pretty.body).toEqual(compact.body);
    const prettyFalse = await fhirFetch(`${base}/Patient/${id}?_pretty=false`);
    expect(prettyFalse.text).not.toContain('\n');
  });

  it('_pretty applies to writes, searches and errors too', async () => {
    const created = await fhirFetch(`${base}/Patient?_pretty=true`, { method: 'POST', body: patient() });
    expect(created.status).toBe(201);
    expect(created.text).toContain('\n');
    const err = await fhirFetch(`${base}/Patient/nope?_pretty=true`);
    expect(err.status).toBe(404);
    expect(err.body.resourceType).toBe('OperationOutcome');
    const hist = await fhirFetch(`${base}/Patient/_history?_pretty=true`);
    expect(hist.status).toBe(200);
    expect(hist.text).toContain('\n');
  });
});

describe('gzip', () => {
  it('compresses when the client sends Accept-Encoding: gzip', async () => {
    const res = await rawGet(`${base}/metadata`, { accept: 'application/fhir+json', 'accept-encoding': 'gzip, deflate' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.headers.vary ?? '').toMatch(/accept-encoding/i);
    const json = JSON.parse(gunzipSync(res.body).toString('utf8'));
    expect(json.resourceType).toBe('CapabilityStatement');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
  });

  it('does not compress without Accept-Encoding, or when gzip;q=0', async () => {
    const plain = await rawGet(`${base}/metadata`, { accept: 'application/fhir+json' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString('utf8')).resourceType).toBe('CapabilityStatement');
    const refused = await rawGet(`${base}/metadata`, { accept: 'application/fhir+json', 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString('utf8')).resourceType).toBe('CapabilityStatement');
  });

  it('compresses large resource reads and searches as well', async () => {
    const { id } = await createResource(base, patient({ name: Array.from({ length: 40 }, (_, i) => ({ family: `Family${i}`, given: ['Given'] })) }));
    const res = await rawGet(`${base}/Patient/${id}`, { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.etag).toBe('W/"1"');
    expect(JSON.parse(gunzipSync(res.body).toString('utf8')).id).toBe(id);
  });
});
