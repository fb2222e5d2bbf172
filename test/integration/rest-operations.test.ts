import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { createResource, expectErrorOutcome, historyTotal, patient } from './rest-helpers.js';

let srv: TestServer;
let base: string;

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.base;
});
afterAll(async () => {
  await srv?.close();
});

const errorsOf = (oo: { issue: { severity: string }[] }) => oo.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('/healthz', () => {
  it('answers 200 once the server is ready', async () => {
    const res = await fetch(`${srv.root}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /metadata', () => {
  it('is a CapabilityStatement for FHIR 4.0.1, JSON only, as a server instance', async () => {
    const res = await fhirFetch(`${base}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const cs = res.body;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.status).toBe('active');
    expect(cs.kind).toBe('instance');
    expect(typeof cs.date).toBe('string');
    expect(cs.format).toContain('application/fhir+json');
    expect(cs.format.some((f: string) => /xml/.test(f))).toBe(false);
    expect(cs.patchFormat).toEqual(expect.arrayContaining(['application/json-patch+json', 'application/fhir+json']));
    expect(cs.implementation.url).toBe(base);
    expect(cs.rest).toHaveLength(1);
    expect(cs.rest[0].mode).toBe('server');
  });

  it('lists the supported resource types with their interactions', async () => {
    const { body: cs } = await fhirFetch(`${base}/metadata`);
    const resources: { type: string; interaction: { code: string }[] }[] = cs.rest[0].resource;
    const types = resources.map((r) => r.type);
    for (const t of ['Patient', 'Observation', 'Encounter', 'CarePlan', 'Condition', 'Questionnaire', 'QuestionnaireResponse', 'StructureDefinition', 'Bundle']) {
      expect(types, t).toContain(t);
    }
    expect(types.length).toBeGreaterThan(100);
    expect(new Set(types).size).toBe(types.length);
    const patientRes = resources.find((r) => r.type === 'Patient')!;
    const codes = patientRes.interaction.map((i) => i.code);
    expect(codes).toEqual(
      expect.arrayContaining(['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type']),
    );
    const patientFull = patientRes as unknown as Record<string, unknown>;
    expect(patientFull.versioning).toBe('versioned-update');
    expect(patientFull.updateCreate).toBe(true);
    expect(patientFull.conditionalCreate).toBe(true);
    expect(patientFull.conditionalUpdate).toBe(true);
    expect(patientFull.conditionalDelete).toBeTruthy();
    const systemCodes = cs.rest[0].interaction.map((i: { code: string }) => i.code);
    expect(systemCodes).toEqual(expect.arrayContaining(['transaction', 'batch', 'history-system']));
  });

  it('lists search parameters per type', async () => {
    const { body: cs } = await fhirFetch(`${base}/metadata`);
    const byType = (t: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === t);
    const patientParams: { name: string; type: string; definition?: string }[] = byType('Patient').searchParam;
    const names = patientParams.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['identifier', 'name', 'birthdate', 'gender']));
    expect(patientParams.find((p) => p.name === 'birthdate')!.type).toBe('date');
    expect(patientParams.find((p) => p.name === 'identifier')!.type).toBe('token');
    const obsNames = byType('Observation').searchParam.map((p: { name: string }) => p.name);
    expect(obsNames).toEqual(expect.arrayContaining(['subject', 'code', 'date', 'patient']));
  });

  it('lists the operations it implements: $validate on every type, $everything on Patient', async () => {
    const { body: cs } = await fhirFetch(`${base}/metadata`);
    const byType = (t: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === t);
    const opNames = (t: string) => (byType(t).operation ?? []).map((o: { name: string }) => o.name);
    expect(opNames('Patient')).toEqual(expect.arrayContaining(['validate', 'everything']));
    expect(opNames('Observation')).toContain('validate');
    expect(opNames('Observation')).not.toContain('everything');
    // HL7's operations by their canonical; the server's own ones are published, readable by url.
    for (const op of byType('Patient').operation) {
      if (/^http:\/\/hl7\.org\/fhir\/OperationDefinition\//.test(op.definition)) continue;
      expect(op.definition).toMatch(/^https:\/\/forlob\.dk\/fhir\/OperationDefinition\//);
      const { body: found } = await fhirFetch(`${base}/OperationDefinition?url=${encodeURIComponent(op.definition)}`);
      expect(found.entry?.[0]?.resource?.code).toBe(op.name);
    }
  });

  it('is not writable', async () => {
    const res = await fhirFetch(`${base}/metadata`, { method: 'POST', body: { resourceType: 'CapabilityStatement' } });
    expect(res.status).toBe(405);
    expectErrorOutcome(res);
  });
});

describe('$validate', () => {
  it('type level: a valid resource gives an OperationOutcome without errors, and nothing is stored', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(`${base}/Patient/$validate`, { method: 'POST', body: patient({ gender: 'female' }) });
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(errorsOf(res.body)).toHaveLength(0);
    expect(await historyTotal(base)).toBe(before);
  });

  it('type level: an invalid resource gives error issues with expression paths, and nothing is stored', async () => {
    const before = await historyTotal(base);
    const res = await fhirFetch(`${base}/Patient/$validate`, {
      method: 'POST',
      body: patient({ gender: 'robot', birthDate: 'yesterday' }),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const errors = errorsOf(res.body) as { expression?: string[] }[];
    expect(errors.length).toBeGreaterThanOrEqual(2);
    const paths = errors.flatMap((i) => i.expression ?? []);
    expect(paths.some((p) => p.includes('gender'))).toBe(true);
    expect(paths.some((p) => p.includes('birthDate'))).toBe(true);
    expect(await historyTotal(base)).toBe(before);
  });

  it('type level: accepts the resource wrapped in Parameters', async () => {
    const good = await fhirFetch(`${base}/Observation/$validate`, {
      method: 'POST',
      body: {
        resourceType: 'Parameters',
        parameter: [{ name: 'resource', resource: { resourceType: 'Observation', status: 'final', code: { text: 'Weight' } } }],
      },
    });
    expect(good.status, good.text).toBe(200);
    expect(errorsOf(good.body)).toHaveLength(0);
    const bad = await fhirFetch(`${base}/Observation/$validate`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Observation' } }] },
    });
    expect(bad.status).toBe(200);
    expect(errorsOf(bad.body).length).toBeGreaterThan(0);
  });

  it('type level: a resource of another type than the endpoint is a 400', async () => {
    const res = await fhirFetch(`${base}/Observation/$validate`, { method: 'POST', body: patient() });
    expect(res.status).toBe(400);
    expectErrorOutcome(res);
  });

  it('instance level: validates the stored resource (GET) or a proposed update (POST)', async () => {
    const { id, res: created } = await createResource(base, patient());
    const stored = await fhirFetch(`${base}/Patient/${id}/$validate`);
    expect(stored.status, stored.text).toBe(200);
    expect(stored.body.resourceType).toBe('OperationOutcome');
    expect(errorsOf(stored.body)).toHaveLength(0);

    const proposed = await fhirFetch(`${base}/Patient/${id}/$validate`, {
      method: 'POST',
      body: { ...created.body, gender: 'robot' },
    });
    expect(proposed.status).toBe(200);
    expect(errorsOf(proposed.body).length).toBeGreaterThan(0);
    // Validation never writes.
    const read = await fhirFetch(`${base}/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('1');
    expect(read.body.gender).toBeUndefined();
  });

  it('instance level: 404 for an unknown id, 410 for a deleted one', async () => {
    const unknown = await fhirFetch(`${base}/Patient/no-such-patient/$validate`);
    expect(unknown.status).toBe(404);
    expectErrorOutcome(unknown);
    const { id } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    const gone = await fhirFetch(`${base}/Patient/${id}/$validate`);
    expect(gone.status).toBe(410);
  });

  it('is unknown at system level', async () => {
    const res = await fhirFetch(`${base}/$validate`, { method: 'POST', body: patient() });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectErrorOutcome(res);
  });
});

describe('Patient/{id}/$everything', () => {
  it('returns the patient and its compartment, and nothing of other patients', async () => {
    const { id: pid } = await createResource(base, patient({ name: [{ family: 'Everything' }] }));
    const { id: other } = await createResource(base, patient({ name: [{ family: 'Other' }] }));
    const { id: enc } = await createResource(base, {
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${pid}` },
    });
    const { id: obs } = await createResource(base, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'HbA1c' },
      subject: { reference: `Patient/${pid}` },
      encounter: { reference: `Encounter/${enc}` },
    });
    const { id: cond } = await createResource(base, {
      resourceType: 'Condition',
      subject: { reference: `Patient/${pid}` },
      code: { text: 'Type 2 diabetes' },
    });
    const { id: otherObs } = await createResource(base, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'HbA1c' },
      subject: { reference: `Patient/${other}` },
    });
    const { id: deletedObs } = await createResource(base, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Deleted' },
      subject: { reference: `Patient/${pid}` },
    });
    await fhirFetch(`${base}/Observation/${deletedObs}`, { method: 'DELETE' });

    const res = await fhirFetch(`${base}/Patient/${pid}/$everything`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('searchset');
    const refs = (res.body.entry ?? []).map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(refs).toEqual(expect.arrayContaining([`Patient/${pid}`, `Encounter/${enc}`, `Observation/${obs}`, `Condition/${cond}`]));
    expect(refs).not.toContain(`Patient/${other}`);
    expect(refs).not.toContain(`Observation/${otherObs}`);
    expect(refs).not.toContain(`Observation/${deletedObs}`);
    expect(new Set(refs).size).toBe(refs.length);
    for (const e of res.body.entry) expect(e.fullUrl).toBe(`${base}/${e.resource.resourceType}/${e.resource.id}`);
  });

  it('honours _type', async () => {
    const { id: pid } = await createResource(base, patient());
    const { id: obs } = await createResource(base, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Weight' },
      subject: { reference: `Patient/${pid}` },
    });
    await createResource(base, { resourceType: 'Condition', subject: { reference: `Patient/${pid}` }, code: { text: 'x' } });
    const res = await fhirFetch(`${base}/Patient/${pid}/$everything?_type=Observation`);
    expect(res.status).toBe(200);
    const refs = res.body.entry.map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(refs).toEqual([`Observation/${obs}`]);
  });

  it('is 404 for an unknown patient and 410 for a deleted one', async () => {
    const unknown = await fhirFetch(`${base}/Patient/nobody-here/$everything`);
    expect(unknown.status).toBe(404);
    expectErrorOutcome(unknown);
    const { id } = await createResource(base, patient());
    await fhirFetch(`${base}/Patient/${id}`, { method: 'DELETE' });
    expect((await fhirFetch(`${base}/Patient/${id}/$everything`)).status).toBe(410);
  });

  it('is only defined on Patient', async () => {
    const { id } = await createResource(base, { resourceType: 'Observation', status: 'final', code: { text: 'x' } });
    const res = await fhirFetch(`${base}/Observation/${id}/$everything`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectErrorOutcome(res);
  });
});
