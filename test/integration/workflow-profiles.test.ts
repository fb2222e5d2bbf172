import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ICD, apply, createPatient, createWorld, subject, type World } from '../fixtures/programmes/http.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { advanceClock, sendEvent } from '../support/workflow.js';

/*
 * The engine writes its effects checked against the base definition only (fhir/write.ts, WriteOptions.trusted):
 * this test is where their conformance to the programme profiles is proven. A course of the seeded COPD
 * programme goes through every kind of effect; then every resource of the patient is validated with $validate,
 * profiles included, and none may have an error.
 */

let srv: TestServer;
let base: string;
let world: World;

beforeAll(async () => {
  srv = await startTestServer({ SEED: 'catalogue', CLOCK: 'manual', SCHEDULER_INTERVAL_MS: '0' });
  base = srv.base;
  world = await createWorld(base);
});
afterAll(async () => {
  await srv?.close();
});

describe('what the workflow engine writes', () => {
  it('validates against the profiles it declares', async () => {
    const p = await createPatient(base, world, { diagnoses: [[ICD, 'J44.1']] });
    const gp = `Practitioner/${world.gp}`;
    const plan = (await apply(base, 'copd', [subject(p.id), { name: 'practitioner', valueString: gp }])).body.id;
    const nurse = `Practitioner/${(await fhirFetch(`${base}/Practitioner`, { method: 'POST', body: { resourceType: 'Practitioner', name: [{ family: 'K' }] } })).body.id}`;
    const steps: [string, Record<string, string | string[]>][] = [
      ['CONSENT_GIVEN', {}],
      ['TOVHOLDER_SET', { practitioner: world.otherGp ? `Practitioner/${world.otherGp}` : gp }],
      ['GOALS_AGREED', { goals: ['Walk to the shop', 'Stop smoking'] }],
      ['SESSION_MISSED', {}],
      ['SESSION_MISSED', {}],
      ['RESTRATIFY', { trigger: 'ACUTE_EPISODE' }],
      ['STRATUM_OVERRIDDEN', { stratum: '4', complexity: 'high', selfCare: 'low', reason: 'lives alone after the admission' }],
      ['COORDINATOR_ASSIGNED', { practitioner: nurse }],
      ['PAUSE', { reason: 'holiday' }],
      ['RESUME', {}],
      ['HANDOVER_ACCEPTED', {}],
      ['WITHDRAW', { reason: 'moved abroad' }],
    ];
    for (const [event, data] of steps) {
      const res = await sendEvent(base, plan, event, data, { by: gp });
      expect(res.status, `${event}: ${res.text}`).toBe(200);
      await advanceClock(base, 'P1D');
    }
    const everything = await fhirFetch(`${base}/Patient/${p.id}/$everything?_count=1000`);
    const resources = everything.body.entry.map((e: any) => e.resource);
    const types = new Set(resources.map((r: any) => r.resourceType));
    for (const t of ['CarePlan', 'CareTeam', 'EpisodeOfCare', 'Task', 'Goal', 'Consent', 'Observation']) expect(types.has(t), t).toBe(true);
    const failures: string[] = [];
    for (const r of resources) {
      const res = await fhirFetch(`${base}/${r.resourceType}/$validate`, { method: 'POST', body: r });
      const errors = (res.body.issue ?? []).filter((i: any) => i.severity === 'error' || i.severity === 'fatal');
      if (errors.length) failures.push(`${r.resourceType}/${r.id}: ${errors.map((i: any) => i.diagnostics ?? i.details?.text).join('; ')}`);
    }
    expect(failures).toEqual([]);
  });
});
