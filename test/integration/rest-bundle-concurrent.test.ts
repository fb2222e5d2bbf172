import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/*
 * Transaction Bundles posted at the same time: each must come out whole and self-consistent. On
 * PostgreSQL concurrent Bundles conflict and are run again (serialization failures); an attempt must
 * not inherit ids or rewritten references from a failed one.
 */

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

/** The id in a Location such as http://…/fhir/Patient/<id>/_history/1. */
const idOf = (location: string) => /\/(?:Patient|Observation)\/([^/]+)/.exec(location)![1];

function bundle(n: number, observations: number) {
  const patient = `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: patient, resource: { resourceType: 'Patient', name: [{ family: `Concurrent${n}` }] }, request: { method: 'POST', url: 'Patient' } },
      ...Array.from({ length: observations }, (_, i) => ({
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
          subject: { reference: patient },
          valueQuantity: { value: 40 + i, unit: 'mmol/mol' },
        },
        request: { method: 'POST', url: 'Observation' },
      })),
    ],
  };
}

describe('concurrent transaction Bundles', () => {
  it('eight Bundles at once: every one commits whole, its Observations pointing at its own Patient', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, n) => fhirFetch(`${srv.base}`, { method: 'POST', body: bundle(n, 30) })));
    for (const [n, res] of results.entries()) {
      expect(res.status, res.text).toBe(200);
      const patientId = idOf(res.body.entry[0].response.location);
      const patient = await fhirFetch(`${srv.base}/Patient/${patientId}`);
      expect(patient.body.name[0].family).toBe(`Concurrent${n}`);
      const obs = await fhirFetch(`${srv.base}/Observation?subject=Patient/${patientId}&_count=100`);
      expect(obs.body.total).toBe(30);
      const ids = res.body.entry.slice(1).map((e: any) => idOf(e.response.location));
      expect(obs.body.entry.map((e: any) => e.resource.id).sort()).toEqual(ids.sort());
    }
  });

  it('twenty-four Bundles creating one Organization conditionally: all commit, exactly one Organization exists', async () => {
    // Each Bundle searches (ifNoneExist) and then writes what the search found missing: on PostgreSQL
    // they fail to serialize against each other, and the late attempts run alone. All must commit,
    // and the search must stay correct under the concurrency: one Organization, not one per Bundle.
    const org = 'urn:uuid:00000000-0000-4000-9000-000000000001';
    const sor = { system: 'urn:oid:1.2.208.176.1.1', value: '1234567890123' };
    const conditional = (n: number) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: org,
          resource: { resourceType: 'Organization', identifier: [sor], name: 'Lægehuset Concurrent' },
          request: { method: 'POST', url: 'Organization', ifNoneExist: `identifier=${sor.system}|${sor.value}` },
        },
        ...Array.from({ length: 5 }, (_, i) => ({
          resource: { resourceType: 'Patient', name: [{ family: `Conditional${n}-${i}` }], managingOrganization: { reference: org } },
          request: { method: 'POST', url: 'Patient' },
        })),
      ],
    });
    const results = await Promise.all(Array.from({ length: 24 }, (_, n) => fhirFetch(`${srv.base}`, { method: 'POST', body: conditional(n) })));
    for (const res of results) expect(res.status, res.text).toBe(200);
    const orgs = await fhirFetch(`${srv.base}/Organization?identifier=${encodeURIComponent(`${sor.system}|${sor.value}`)}`);
    expect(orgs.body.total).toBe(1);
    const orgId = orgs.body.entry[0].resource.id;
    expect(results.filter((r) => r.body.entry[0].response.status.startsWith('201'))).toHaveLength(1);
    const patients = await fhirFetch(`${srv.base}/Patient?organization=Organization/${orgId}&_count=200`);
    expect(patients.body.total).toBe(24 * 5);
  });
});
