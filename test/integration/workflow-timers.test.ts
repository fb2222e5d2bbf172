import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { SKS, apply, createPatient, createWorld, subject } from '../fixtures/programmes/http.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { advanceClock, search, sendEvent, workflowOf } from '../support/workflow.js';

/* Durable timers: they survive a restart (with the manual clock's time), fire at most once, and the scheduler
 * fires a timer that fell due while the server was down on its own. */

const dirs: string[] = [];
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close().catch(() => {});
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string, env: Record<string, string> = {}): Promise<TestServer> {
  const s = await startTestServer({ DATA_DIR: dataDir, CLOCK: 'manual', SCHEDULER_INTERVAL_MS: '0', ...env });
  servers.push(s);
  return s;
}

async function enrolAndConsent(base: string): Promise<string> {
  await loadFixtures(base, ['fixture-diabetes']);
  const world = await createWorld(base);
  const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
  const id = (await apply(base, 'fixture-diabetes', [subject(p.id)])).body.id;
  expect((await sendEvent(base, id, 'CONSENT_GIVEN')).status).toBe(200);
  return id;
}

const escalations = async (base: string, id: string) => (await search(base, `Task?based-on=CarePlan/${id}&_count=100`)).filter((t) => t.code.coding[0].code === 'clarifying-escalation');

describe('durable timers', () => {
  it('survive a restart, and the moved clock stays moved', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-timers-'));
    dirs.push(dir);
    let srv = await start(dir);
    const id = await enrolAndConsent(srv.base);
    const { due } = (await workflowOf(srv.base, id)).timers[0];
    const { now } = await advanceClock(srv.base, 'P10D');
    await srv.close();

    srv = await start(dir);
    const wf = await workflowOf(srv.base, id);
    expect(wf.timers).toEqual([{ id: 'clarifying', event: 'CLARIFYING_OVERDUE', due }]);
    // The clock did not fall back to the wall clock: a patient written now is stamped after `now`.
    const written = await fhirFetch(`${srv.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } });
    expect(written.body.meta.lastUpdated >= now).toBe(true);
    expect((await advanceClock(srv.base, 'P5D')).fired).toEqual(['CLARIFYING_OVERDUE']);
    expect(await escalations(srv.base, id)).toHaveLength(1);
  });

  it('fire at most once when two clock moves race for the same timer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-timers-'));
    dirs.push(dir);
    const srv = await start(dir);
    const id = await enrolAndConsent(srv.base);
    const [a, b] = await Promise.all([advanceClock(srv.base, 'P15D'), advanceClock(srv.base, 'P15D')]);
    expect([...a.fired, ...b.fired]).toEqual(['CLARIFYING_OVERDUE']);
    expect(await escalations(srv.base, id)).toHaveLength(1);
    expect((await workflowOf(srv.base, id)).history.filter((h) => h.event === 'CLARIFYING_OVERDUE')).toHaveLength(1);
  });

  it('the scheduler fires a timer that fell due while the server was down, by itself', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forlob-timers-'));
    dirs.push(dir);
    let srv = await start(dir, { CLOCK: 'system' });
    const id = await enrolAndConsent(srv.base);
    // While the server is down the due time passes: here, the timer row is moved into the past.
    await srv.server.store.transaction((tx) => tx.workflow.setTimer({ carePlanId: id, timerId: 'clarifying', event: 'CLARIFYING_OVERDUE', due: '2020-01-01T00:00:00.000Z' }));
    await srv.close();
    srv = await start(dir, { CLOCK: 'system', SCHEDULER_INTERVAL_MS: '25' });
    for (let i = 0; i < 100 && (await escalations(srv.base, id)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await escalations(srv.base, id)).toHaveLength(1);
    const wf = await workflowOf(srv.base, id);
    expect(wf.timers).toEqual([]);
    const fired = wf.history.find((h) => h.event === 'CLARIFYING_OVERDUE')!;
    const provenance = (await fhirFetch(`${srv.base}/${fired.provenance}`)).body;
    expect(provenance.agent[0].who.display).toBe('Forløb scheduler');
  });
});
