import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { expectErrorOutcome, historyTotal } from './rest-helpers.js';

/* StructureDefinition/$snapshot over HTTP: type level (Parameters, body, url) and instance level. */

const HL7 = 'http://hl7.org/fhir/StructureDefinition/';
const TEST = 'https://forlob.example/fhir/StructureDefinition/';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

function definition(id: string, baseDefinition: string, element: Record<string, unknown>[]) {
  return {
    resourceType: 'StructureDefinition',
    id,
    url: `${TEST}${id}`,
    name: id.replace(/-/g, ''),
    status: 'active',
    kind: 'resource',
    abstract: false,
    type: 'Patient',
    baseDefinition,
    derivation: 'constraint',
    differential: { element },
  };
}

const birthDate = definition('snap-birthdate', `${HL7}Patient`, [{ id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 }]);
const snapshotIds = (sd: { snapshot: { element: { id: string; min: number }[] } }) => sd.snapshot.element.map((e) => e.id);
const elementOf = (sd: { snapshot: { element: { id: string }[] } }, id: string) => sd.snapshot.element.find((e) => e.id === id);

describe('StructureDefinition/$snapshot', () => {
  it('type level, POST Parameters with `definition`: returns the definition with its snapshot, storing nothing', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(`${base}/StructureDefinition/$snapshot`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'definition', resource: birthDate }] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'StructureDefinition', url: birthDate.url, differential: birthDate.differential });
    expect(elementOf(res.body, 'Patient.birthDate')).toMatchObject({ min: 1, max: '1' });
    expect(snapshotIds(res.body)[0]).toBe('Patient');
    expect(await historyTotal(base)).toBe(before);
  });

  it('type level, POST the StructureDefinition as the body', async () => {
    const res = await fhirFetch(`${base}/StructureDefinition/$snapshot`, { method: 'POST', body: birthDate });
    expect(res.status, res.text).toBe(200);
    expect(elementOf(res.body, 'Patient.birthDate')).toMatchObject({ min: 1 });
  });

  it('builds on a profile stored on the server, and resolves stored extensions', async () => {
    const stored = await fhirFetch(`${base}/StructureDefinition/snap-birthdate`, { method: 'PUT', body: birthDate });
    expect(stored.status, stored.text).toBe(422); // no snapshot: the server cannot use it as a profile ...
    // ... so a client first asks for the snapshot, then stores the complete definition.
    const generated = await fhirFetch(`${base}/StructureDefinition/$snapshot`, { method: 'POST', body: birthDate });
    const put = await fhirFetch(`${base}/StructureDefinition/snap-birthdate`, { method: 'PUT', body: generated.body });
    expect([200, 201], put.text).toContain(put.status);

    const derived = definition('snap-derived', birthDate.url, [
      { id: 'Patient.name', path: 'Patient.name', min: 1 },
      {
        id: 'Patient.extension:stratum',
        path: 'Patient.extension',
        sliceName: 'stratum',
        type: [{ code: 'Extension', profile: ['https://forlob.dk/fhir/StructureDefinition/careplan-stratum'] }],
      },
    ]);
    const res = await fhirFetch(`${base}/StructureDefinition/$snapshot`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'definition', resource: derived }] },
    });
    expect(res.status, res.text).toBe(200);
    expect(elementOf(res.body, 'Patient.birthDate')).toMatchObject({ min: 1 });
    expect(elementOf(res.body, 'Patient.name')).toMatchObject({ min: 1 });
    expect(elementOf(res.body, 'Patient.extension:stratum.url')).toMatchObject({ fixedUri: 'https://forlob.dk/fhir/StructureDefinition/careplan-stratum' });
    expect(elementOf(res.body, 'Patient.extension:stratum.value[x]')).toMatchObject({ type: [{ code: 'CodeableConcept' }] });
  });

  it('instance level GET and type level `url`: a stored definition, snapshot regenerated from its differential', async () => {
    const byId = await fhirFetch(`${base}/StructureDefinition/forlob-patient/$snapshot`);
    expect(byId.status, byId.text).toBe(200);
    const stored = await fhirFetch(`${base}/StructureDefinition/forlob-patient`);
    expect(byId.body.snapshot).toEqual(stored.body.snapshot);
    const byUrl = await fhirFetch(`${base}/StructureDefinition/$snapshot?url=${encodeURIComponent('https://forlob.dk/fhir/StructureDefinition/forlob-careteam|1.0.0')}`);
    expect(byUrl.status, byUrl.text).toBe(200);
    expect(byUrl.body.id).toBe('forlob-careteam');
    const byParameter = await fhirFetch(`${base}/StructureDefinition/$snapshot`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'https://forlob.dk/fhir/StructureDefinition/forlob-task' }] },
    });
    expect(byParameter.body.id).toBe('forlob-task');
  });

  it('422 naming the differential elements it cannot apply', async () => {
    const bad = definition('snap-bad', `${HL7}Patient`, [
      { id: 'Patient.gender', path: 'Patient.gender', max: '*' },
      { id: 'Patient.nothing', path: 'Patient.nothing' },
    ]);
    const res = await fhirFetch(`${base}/StructureDefinition/$snapshot`, { method: 'POST', body: bad });
    expect(res.status, res.text).toBe(422);
    expectErrorOutcome(res);
    expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toEqual([
      'StructureDefinition.differential.element[0]',
      'StructureDefinition.differential.element[1]',
    ]);
    expect(res.body.issue[0].diagnostics).toMatch(/max \* is above the base maximum 1/);
  });

  it('404 for unknown definitions, 400 without one, 405 for other methods', async () => {
    expect((await fhirFetch(`${base}/StructureDefinition/nope/$snapshot`)).status).toBe(404);
    expect((await fhirFetch(`${base}/StructureDefinition/$snapshot?url=${encodeURIComponent(`${TEST}nope`)}`)).status).toBe(404);
    const none = await fhirFetch(`${base}/StructureDefinition/$snapshot`);
    expect(none.status).toBe(400);
    expectErrorOutcome(none);
    const malformed = await fhirFetch(`${base}/StructureDefinition/$snapshot`, {
      method: 'POST',
      body: { ...birthDate, differential: { element: [{ id: 7, path: 'Patient.birthDate', constraint: 'x' }] } },
    });
    expect(malformed.status, malformed.text).toBe(400);
    const wrongType = await fhirFetch(`${base}/StructureDefinition/$snapshot`, { method: 'POST', body: { resourceType: 'Patient' } });
    expect(wrongType.status).toBe(400);
    const unknownBase = await fhirFetch(`${base}/StructureDefinition/$snapshot`, { method: 'POST', body: definition('x', `${TEST}unknown`, [{ id: 'Patient', path: 'Patient' }]) });
    expect(unknownBase.status).toBe(422);
    expect((await fhirFetch(`${base}/StructureDefinition/$snapshot`, { method: 'DELETE' })).status).toBe(405);
    expect((await fhirFetch(`${base}/Patient/$snapshot`, { method: 'POST', body: birthDate })).status).toBe(404);
  });
});
