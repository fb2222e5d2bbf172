import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseOfCareDefinition } from '../../workflows/course-of-care.js';
import { MIGRATIONS } from '../../workflows/migrations.js';
import { MACHINES } from '../../workflows/registry.js';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { SKS, apply, createPatient, createWorld, subject } from '../fixtures/programmes/http.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { sendEvent, workflowOf } from '../support/workflow.js';

/*
 * Machine versions: a running course keeps its version until a documented migration moves it. The server runs
 * in this process, so the test can give it a version 1.1.0 of course-of-care (a higher absence threshold) and
 * the migration 1.0.0 → 1.1.0, as a release would.
 */

let srv: TestServer;
let base: string;
const v11 = { ...courseOfCareDefinition, version: '1.1.0', serves: () => false };
const migration = {
  machine: 'course-of-care', from: '1.0.0', to: '1.1.0', description: 'three missed sessions in a row before a follow-up Task',
  migrate: (s: any) => ({ ...s, context: { ...s.context, input: { ...s.context.input, absenceThreshold: 3 } } }),
};

beforeAll(async () => {
  MACHINES.push(v11);
  MIGRATIONS.push(migration);
  srv = await startTestServer({ SCHEDULER_INTERVAL_MS: '0' });
  base = srv.base;
  await loadFixtures(base, ['fixture-diabetes']);
});
afterAll(async () => {
  MACHINES.splice(MACHINES.indexOf(v11), 1);
  MIGRATIONS.splice(MIGRATIONS.indexOf(migration), 1);
  await srv?.close();
});

const migrate = (machine: string, from: string, to: string) =>
  fhirFetch(`${base}/$migrate-workflows`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'machine', valueString: machine }, { name: 'from', valueString: from }, { name: 'to', valueString: to }] } });

describe('$migrate-workflows', () => {
  it('moves running instances to the new version, recorded in their history, and they run on it', async () => {
    const world = await createWorld(base);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
      ids.push((await apply(base, 'fixture-diabetes', [subject(p.id)])).body.id);
    }
    for (const id of ids) expect((await sendEvent(base, id, 'CONSENT_GIVEN')).status).toBe(200);
    expect((await workflowOf(base, ids[0])).version).toBe('1.0.0');

    const res = await migrate('course-of-care', '1.0.0', '1.1.0');
    expect(res.status, res.text).toBe(200);
    const moved = res.body.parameter.filter((p: any) => p.name === 'migrated').map((p: any) => p.valueReference.reference);
    for (const id of ids) expect(moved).toContain(`CarePlan/${id}`);

    const wf = await workflowOf(base, ids[0]);
    expect(wf.version).toBe('1.1.0');
    expect(wf.states).toContain('enrolled.active.course.clarifying');
    const last = wf.history.at(-1)!;
    expect(last).toMatchObject({ event: 'MIGRATE', data: { from: '1.0.0', to: '1.1.0' } });
    const provenance = (await fhirFetch(`${base}/${last.provenance}`)).body;
    expect(provenance.reason[0].text).toBe(migration.description);
    expect(provenance.policy).toEqual(['https://forlob.dk/fhir/workflow/course-of-care|1.1.0']);
    // It runs on the migrated context: two missed sessions no longer open a follow-up Task.
    expect((await sendEvent(base, ids[0], 'GOALS_AGREED', { goals: ['g'] })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await sendEvent(base, ids[0], 'SESSION_MISSED')).status).toBe(200);
    const tasks = (await fhirFetch(`${base}/Task?based-on=CarePlan/${ids[0]}`)).body.entry.map((e: any) => e.resource.code.coding[0].code);
    expect(tasks).not.toContain('absence-follow-up');

    // Nothing left to move; an undocumented migration is refused.
    expect((await migrate('course-of-care', '1.0.0', '1.1.0')).body.parameter[0]).toEqual({ name: 'count', valueInteger: 0 });
    expect((await migrate('course-of-care', '1.1.0', '9.9.9')).status).toBe(400);
  });
});
