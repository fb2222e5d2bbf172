import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../fixtures/programmes/load.js';
import { SKS, apply, createPatient, createWorld, readRef, subject, type World } from '../fixtures/programmes/http.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { eventParameters, readWorkflow, search, sendEvent, workflowOf } from '../support/workflow.js';
import { expectErrorOutcome } from './rest-helpers.js';

/* The workflow API's contract: refusals (400, 404, 409, 412), idempotent retries, concurrent events. */

let srv: TestServer;
let base: string;
let world: World;

beforeAll(async () => {
  srv = await startTestServer({ SCHEDULER_INTERVAL_MS: '0' });
  base = srv.base;
  await loadFixtures(base, ['fixture-diabetes']);
  world = await createWorld(base);
});
afterAll(async () => {
  await srv?.close();
});

async function enrol(params: Record<string, unknown>[] = []): Promise<string> {
  const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
  const res = await apply(base, 'fixture-diabetes', [subject(p.id), ...params]);
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

const versionOf = async (id: string) => Number((await readRef(base, `CarePlan/${id}`)).meta.versionId);
const transitions = async (id: string) => (await workflowOf(base, id)).history.length;

describe('CarePlan/$event refusals', () => {
  it('409 for an event the state does not take, listing the allowed events; nothing written', async () => {
    const id = await enrol();
    const before = await versionOf(id);
    const res = await sendEvent(base, id, 'GOALS_AGREED', { goals: ['x'] });
    expect(res.status).toBe(409);
    expectErrorOutcome(res);
    expect(res.body.issue[0].diagnostics).toMatch(/GOALS_AGREED is not allowed in state awaitingConsent/);
    expect(res.body.issue[0].details.coding.map((c: any) => c.code).sort()).toEqual(['CONSENT_DECLINED', 'CONSENT_GIVEN', 'DEATH', 'TRANSFER', 'WITHDRAW']);
    expect(await versionOf(id)).toBe(before);
  });

  it('400 for an unknown event, missing or mistyped data, unknown fields, a bad `by`', async () => {
    const id = await enrol();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['NO_SUCH_EVENT', {}, /Unknown event "NO_SUCH_EVENT"/],
      ['WITHDRAW', {}, /WITHDRAW needs reason/],
      ['SCREENED', { eligible: 'perhaps' }, /eligible must be true or false/],
      ['CONSENT_GIVEN', { colour: 'blue' }, /takes no parameter "colour"/],
      ['TOVHOLDER_SET', { practitioner: 'not a reference' }, /practitioner must be a reference/],
      ['STRATIFIED', { stratum: '7', complexity: 'low', selfCare: 'good' }, /stratum must be one of 1, 2, 3, 4/],
    ];
    for (const [event, data, message] of cases) {
      const res = await sendEvent(base, id, event, data as never);
      expect(res.status, `${event}: ${res.text}`).toBe(400);
      expect(res.body.issue.map((i: any) => i.diagnostics).join('\n')).toMatch(message);
    }
    const noEvent = await fhirFetch(`${base}/CarePlan/${id}/$event`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [] } });
    expect(noEvent.status).toBe(400);
    const notParameters = await fhirFetch(`${base}/CarePlan/${id}/$event`, { method: 'POST', body: { resourceType: 'Patient' } });
    expect(notParameters.status).toBe(400);
    const badBy = await fhirFetch(`${base}/CarePlan/${id}/$event`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'event', valueCode: 'CONSENT_GIVEN' }, { name: 'by', valueString: 'me' }] } });
    expect(badBy.status).toBe(400);
    expect((await workflowOf(base, id)).states).toEqual(['awaitingConsent']);
  });

  it('400 when the event names a practitioner that does not exist, and the whole transition is rolled back', async () => {
    const id = await enrol();
    expect((await sendEvent(base, id, 'CONSENT_GIVEN')).status).toBe(200);
    const before = await versionOf(id);
    const res = await sendEvent(base, id, 'TOVHOLDER_SET', { practitioner: 'Practitioner/nobody' });
    expect(res.status, res.text).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/Practitioner\/nobody does not exist/);
    expect(await versionOf(id)).toBe(before);
  });

  it('404 for an unknown CarePlan and for a CarePlan no workflow drives; 410 once deleted', async () => {
    expect((await sendEvent(base, 'no-such-plan', 'CONSENT_GIVEN')).status).toBe(404);
    expect((await fhirFetch(`${base}/CarePlan/no-such-plan/$workflow`)).status).toBe(404);
    const p = await createPatient(base, world, {});
    const plain = await fhirFetch(`${base}/CarePlan`, { method: 'POST', body: { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${p.id}` } } });
    const res = await sendEvent(base, plain.body.id, 'CONSENT_GIVEN');
    expect(res.status).toBe(404);
    expect(res.body.issue[0].diagnostics).toMatch(/not driven by a workflow/);
    const id = await enrol();
    expect((await fhirFetch(`${base}/CarePlan/${id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await sendEvent(base, id, 'CONSENT_GIVEN')).status).toBe(410);
  });

  it('412 for a stale If-Match; the current ETag works', async () => {
    const id = await enrol();
    const version = await versionOf(id);
    const stale = await sendEvent(base, id, 'CONSENT_GIVEN', {}, { headers: { 'if-match': `W/"${version - 1}"` } });
    expect(stale.status).toBe(412);
    const fresh = await sendEvent(base, id, 'CONSENT_GIVEN', {}, { headers: { 'if-match': `W/"${version}"` } });
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.headers.get('etag')).toBe(`W/"${await versionOf(id)}"`);
  });
});

describe('concurrency and retries', () => {
  it('two events at once on one course: one applies, the other gets 409; with the same If-Match the other gets 412', async () => {
    const id = await enrol();
    const [a, b] = await Promise.all([sendEvent(base, id, 'CONSENT_GIVEN'), sendEvent(base, id, 'CONSENT_DECLINED', { reason: 'changed mind' })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await transitions(id)).toBe(3);

    const id2 = await enrol();
    const etag = `W/"${await versionOf(id2)}"`;
    const [c, d] = await Promise.all([
      sendEvent(base, id2, 'CONSENT_GIVEN', {}, { headers: { 'if-match': etag } }),
      sendEvent(base, id2, 'WITHDRAW', { reason: 'moved' }, { headers: { 'if-match': etag } }),
    ]);
    expect([c.status, d.status].sort()).toEqual([200, 412].sort());
  });

  it('Idempotency-Key: a retry returns the first answer and applies nothing twice; reuse for another request is 422', async () => {
    const id = await enrol();
    const headers = { 'idempotency-key': `consent-${id}` };
    const first = await sendEvent(base, id, 'CONSENT_GIVEN', {}, { headers });
    expect(first.status, first.text).toBe(200);
    const [again, racing] = await Promise.all([sendEvent(base, id, 'CONSENT_GIVEN', {}, { headers }), sendEvent(base, id, 'CONSENT_GIVEN', {}, { headers })]);
    for (const r of [again, racing]) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual(first.body);
    }
    expect(await transitions(id)).toBe(3);
    expect(await search(base, `Consent?patient=${(await readRef(base, `CarePlan/${id}`)).subject.reference}`)).toHaveLength(1);
    const other = await sendEvent(base, id, 'PAUSE', {}, { headers });
    expect(other.status).toBe(422);
  });
});

describe('$workflow and $workflow-definition', () => {
  it('$workflow lists the data each allowed event needs; $event answers the new state with the CarePlan', async () => {
    const id = await enrol();
    const res = await fhirFetch(`${base}/CarePlan/${id}/$workflow`);
    const declined = res.body.parameter.find((p: any) => p.name === 'allowedEvent' && p.part[0].valueCode === 'CONSENT_DECLINED');
    expect(declined.part.find((p: any) => p.name === 'data').part).toEqual([{ name: 'name', valueString: 'reason' }, { name: 'type', valueCode: 'string' }, { name: 'required', valueBoolean: false }]);
    const sent = await fhirFetch(`${base}/CarePlan/${id}/$event`, { method: 'POST', body: eventParameters('CONSENT_GIVEN') });
    const view = readWorkflow(sent.body);
    expect(view.states).toContain('enrolled.active.course.clarifying');
    expect(view.carePlan).toMatchObject({ resourceType: 'CarePlan', id, status: 'active' });
    expect(view.allowed).toContain('GOALS_AGREED');
  });

  it('$workflow-definition gives the machine as JSON', async () => {
    const res = await fhirFetch(`${base}/PlanDefinition/fixture-diabetes/$workflow-definition`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ id: 'course-of-care', version: '1.0.0' });
    expect(res.body.states.map((s: any) => s.id)).toContain('course-of-care.enrolled.active.course.sessions');
    expect(res.body.transitions.some((t: any) => t.event === 'SESSION_ATTENDED')).toBe(true);
    expect(Object.keys(res.body.eventSchemas)).toContain('CONSENT_GIVEN');
  });

  it('$apply with screening=clinician leaves the course in referral for a clinician; ineligible ends it', async () => {
    const id = await enrol([{ name: 'screening', valueCode: 'clinician' }]);
    expect((await workflowOf(base, id)).states).toEqual(['referral']);
    const res = await sendEvent(base, id, 'SCREENED', { eligible: false, reason: 'HbA1c normal on re-test' });
    expect(res.status, res.text).toBe(200);
    const plan = await readRef(base, `CarePlan/${id}`);
    expect(plan.status).toBe('revoked');
    expect(plan.note.at(-1).text).toMatch(/Not eligible.*HbA1c normal on re-test/);
    const episode = await readRef(base, plan.extension.find((e: any) => e.url.endsWith('workflow-episodeOfCare')).valueReference.reference);
    expect(episode.status).toBe('cancelled');
    expect((await search(base, `Task?based-on=CarePlan/${id}`)).every((t) => t.status === 'cancelled')).toBe(true);
    expect((await workflowOf(base, id)).status).toBe('done');
  });
});

describe('standard writes', () => {
  it('a JSON Patch completing the consent Task gives consent; a rejected one declines with its reason', async () => {
    const id = await enrol();
    const consent = (await search(base, `Task?based-on=CarePlan/${id}`)).find((t) => t.code.coding[0].code === 'consent');
    const patched = await fhirFetch(`${base}/Task/${consent.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      rawBody: JSON.stringify([{ op: 'replace', path: '/status', value: 'completed' }]),
    });
    expect(patched.status, patched.text).toBe(200);
    expect((await workflowOf(base, id)).history.at(-1)?.event).toBe('CONSENT_GIVEN');
    expect((await readRef(base, `CarePlan/${id}`)).status).toBe('active');

    const other = await enrol();
    const task = (await search(base, `Task?based-on=CarePlan/${other}`)).find((t) => t.code.coding[0].code === 'consent');
    const rejected = await fhirFetch(`${base}/Task/${task.id}`, { method: 'PUT', body: { ...task, status: 'rejected', statusReason: { text: 'does not want group sessions' } } });
    expect(rejected.status, rejected.text).toBe(200);
    const last = (await workflowOf(base, other)).history.at(-1)!;
    expect(last).toMatchObject({ event: 'CONSENT_DECLINED', data: { reason: 'does not want group sessions' } });
    expect((await readRef(base, `CarePlan/${other}`)).status).toBe('revoked');
  });
});

describe('$advance-clock', () => {
  it('is refused on the system clock', async () => {
    const res = await fhirFetch(`${base}/$advance-clock`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'by', valueString: 'P1D' }] } });
    expect(res.status).toBe(409);
    expectErrorOutcome(res);
  });
});
