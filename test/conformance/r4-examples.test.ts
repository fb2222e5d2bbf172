import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { isSupportedType } from '../../src/fhir/resource-types.js';

/**
 * Round-trip of the official FHIR R4 examples (npm package hl7.fhir.r4.examples, CC0):
 * every example of a supported type is written with PUT (keeping its id, so references between
 * examples stay meaningful), read back, and compared with the original, ignoring meta.
 */
const require = createRequire(import.meta.url);
const examplesDir = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));

interface Failure {
  file: string;
  reason: string;
}

function withoutMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = resource;
  void meta;
  return rest;
}

describe('official R4 examples', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('round-trips at least 99 % of the examples', async () => {
    const files = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'));
    const examples: { file: string; resource: Record<string, any> }[] = [];
    const unsupported: string[] = [];
    for (const file of files) {
      const resource = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
      if (typeof resource?.resourceType !== 'string') continue;
      if (!isSupportedType(resource.resourceType)) unsupported.push(file);
      else examples.push({ file, resource });
    }
    const failures: Failure[] = [];
    const roundTrip = async ({ file, resource }: { file: string; resource: Record<string, any> }) => {
      const type = resource.resourceType;
      const write = resource.id
        ? await fhirFetch(`${server.base}/${type}/${encodeURIComponent(resource.id)}`, { method: 'PUT', body: resource })
        : await fhirFetch(`${server.base}/${type}`, { method: 'POST', body: resource });
      if (write.status !== 200 && write.status !== 201) {
        const issue = write.body?.issue?.[0];
        failures.push({ file, reason: `write ${write.status}: ${issue?.diagnostics ?? issue?.details?.text ?? write.text.slice(0, 200)}${issue?.expression ? ` at ${issue.expression.join(', ')}` : ''}` });
        return;
      }
      const id = resource.id ?? write.body.id;
      const read = await fhirFetch(`${server.base}/${type}/${encodeURIComponent(id)}`);
      if (read.status !== 200) {
        failures.push({ file, reason: `read ${read.status}` });
        return;
      }
      const expected = withoutMeta(resource.id ? resource : { ...resource, id });
      try {
        expect(withoutMeta(read.body)).toEqual(expected);
      } catch {
        failures.push({ file, reason: 'read-back differs from the original' });
      }
    };
    const queue = [...examples];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await roundTrip(next);
      }),
    );
    const passed = examples.length - failures.length;
    console.log(
      `R4 examples: ${examples.length} of supported types, ${passed} round-tripped, ${failures.length} failed, ` +
        `${unsupported.length} of unsupported types (${unsupported.join(', ') || 'none'})`,
    );
    for (const f of failures) console.log(`  FAIL ${f.file}: ${f.reason}`);
    expect(examples.length).toBeGreaterThan(2000);
    expect(passed / examples.length).toBeGreaterThanOrEqual(0.99);
  }, 600_000);

});

describe('the official transaction example', () => {
  // A store of its own: the round-trip above leaves Patients whose identifiers the example's
  // conditional entries would also match.
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('processes Bundle-bundle-transaction.json as a transaction', async () => {
    const bundle = JSON.parse(fs.readFileSync(path.join(examplesDir, 'Bundle-bundle-transaction.json'), 'utf8'));
    // The example invokes "ValueSet/$lookup", which FHIR R4 does not define ($lookup is a CodeSystem
    // operation); that one entry is left out. Everything else is posted as published.
    bundle.entry = bundle.entry.filter((e: any) => e.request.url !== 'ValueSet/$lookup');
    // Its preconditions: Patient/123a at version 2 (ifMatch W/"2"), Patient/12334 at version 4
    // (ifNoneMatch W/"4" gives 304), Patient/234 present to be deleted.
    const put = (id: string) =>
      fhirFetch(`${server.base}/Patient/${id}`, { method: 'PUT', body: { resourceType: 'Patient', id, active: true } });
    for (const [id, versions] of [['123a', 2], ['12334', 4], ['234', 1]] as const)
      for (let v = 0; v < versions; v++) expect((await put(id)).status).toBeLessThan(300);

    const res = await fhirFetch(server.base, { method: 'POST', body: bundle });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    const statuses = res.body.entry.map((e: any) => e.response.status.split(' ')[0]);
    expect(statuses).toEqual(['201', '201', '201', '201', '200', '200', '200', '200', '304']);
    // The urn:uuid entries got server ids; the updated Patient/123a is now at version 3.
    expect(res.body.entry[0].response.location).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
    expect(res.body.entry[4].response.etag).toBe('W/"3"');
    expect((await fhirFetch(`${server.base}/Patient/234`)).status).toBe(410);
  });
});
