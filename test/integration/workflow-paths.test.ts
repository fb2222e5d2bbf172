import { getShortestPaths } from '@xstate/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialTransition, type AnyMachineSnapshot } from 'xstate';
import { courseOfCare } from '../../workflows/course-of-care.js';
import { describeMachine } from '../../workflows/describe.js';
import type { CourseEvent } from '../../workflows/events.js';
import { programmeInput } from '../../workflows/programme-input.js';
import { fixtureResources, loadFixtures } from '../fixtures/programmes/load.js';
import { SKS, apply, createPatient, createWorld, readRef, subject, type World } from '../fixtures/programmes/http.js';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';
import { eventParameters, readWorkflow, search, workflowOf } from '../support/workflow.js';

/*
 * Path coverage through the real server: @xstate/graph's shortest path to every leaf state of the course
 * machine (configured, like the server, from the programme's PlanDefinition — here a two-session variant of
 * the diabetes fixture), each replayed as $event calls on a fresh enrolment. After every step the server's
 * state must be the machine's, and the FHIR side must show it: CarePlan and EpisodeOfCare status, and an open
 * Task for the step the course waits on.
 */

let srv: TestServer;
let base: string;
let world: World;
let nurse: string;
const PROGRAMME = 'fixture-diabetes-two-sessions';

/** The diabetes fixture with two education sessions instead of six (a smaller state space, same machine). */
function twoSessionVariant(): any {
  const plan = structuredClone(fixtureResources('fixture-diabetes').find((r) => r.resourceType === 'PlanDefinition')) as any;
  Object.assign(plan, { id: PROGRAMME, url: `https://forlob.dk/fhir/PlanDefinition/${PROGRAMME}`, name: 'FixtureDiabetesTwoSessions' });
  plan.action.find((a: any) => a.id === 'course').action.find((a: any) => a.id === 'education-session').timingTiming.repeat.count = 2;
  return plan;
}

beforeAll(async () => {
  srv = await startTestServer({ SCHEDULER_INTERVAL_MS: '0' });
  base = srv.base;
  await loadFixtures(base, ['fixture-diabetes']);
  expect((await fhirFetch(`${base}/PlanDefinition/${PROGRAMME}`, { method: 'PUT', body: twoSessionVariant() })).status).toBeLessThan(300);
  world = await createWorld(base);
  nurse = `Practitioner/${(await fhirFetch(`${base}/Practitioner`, { method: 'POST', body: { resourceType: 'Practitioner', name: [{ family: 'Koordinator' }] } })).body.id}`;
});
afterAll(async () => {
  await srv?.close();
});

/** The FHIR resources that must show a leaf state. */
const PLAN_STATUS: [string, string][] = [
  ['referral', 'draft'], ['awaitingConsent', 'draft'], ['ineligible', 'revoked'], ['declined', 'revoked'],
  ['enrolled.active.hold.paused', 'on-hold'], ['enrolled.active.hold.running', 'active'],
  ['withdrawn', 'revoked'], ['transferred', 'completed'], ['deceased', 'revoked'],
];
const EPISODE_STATUS: [string, string][] = [
  ['referral', 'planned'], ['awaitingConsent', 'planned'], ['ineligible', 'cancelled'], ['declined', 'cancelled'],
  ['enrolled', 'active'], ['withdrawn', 'finished'], ['transferred', 'finished'], ['deceased', 'finished'],
];
const OPEN_TASK: [string, string][] = [
  ['awaitingConsent', 'consent'], ['enrolled.active.stratification.restratifying', 'stratification'],
  ['enrolled.active.coordination.coordinatorRequested', 'appoint-care-coordinator'], ['enrolled.active.coordination.handover', 'coordinator-handover'],
  ['enrolled.active.course.clarifying', 'clarifying-conversation'], ['enrolled.active.course.sessions', 'education-session'],
  ['enrolled.active.course.closing', 'closing-conversation'], ['enrolled.active.course.followUp.due', 'follow-up-conversation'],
];
const FINAL = new Set(['ineligible', 'declined', 'withdrawn', 'transferred', 'deceased']);

describe('course-of-care paths over HTTP', () => {
  // As the server starts it: from the PlanDefinition, with the stratum $apply computed for this patient (1).
  const input = { ...programmeInput(twoSessionVariant()), initialStratum: '1' as const };
  const events: CourseEvent[] = [
    { type: 'SCREENED', eligible: true }, { type: 'SCREENED', eligible: false, reason: 'no diagnosis on re-test' },
    { type: 'CONSENT_GIVEN' }, { type: 'CONSENT_DECLINED', reason: 'no time' },
    { type: 'STRATUM_OVERRIDDEN', stratum: '4', complexity: 'high', selfCare: 'low', reason: 'clinical judgement' },
    { type: 'RESTRATIFY', trigger: 'ACUTE_EPISODE' }, { type: 'COORDINATOR_ASSIGNED', practitioner: 'NURSE' },
    { type: 'HANDOVER_ACCEPTED' }, { type: 'GOALS_AGREED', goals: ['walk daily'] }, { type: 'SESSION_ATTENDED' }, { type: 'SESSION_MISSED' },
    { type: 'CLOSING_DONE' }, { type: 'FOLLOW_UP_DUE' }, { type: 'FOLLOW_UP_DONE' }, { type: 'PAUSE' }, { type: 'RESUME' },
    { type: 'WITHDRAW', reason: 'moved abroad' }, { type: 'TRANSFER', to: 'Organization/ORG' }, { type: 'DEATH' },
  ];
  const serializeState = (s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context.attended, s.context.missedInRow]);
  const paths = getShortestPaths(courseOfCare, { input, events, serializeState: serializeState as never });
  const prefix = `${courseOfCare.id}.`;
  const leaves = describeMachine(courseOfCare).states.filter((s) => s.type === 'atomic' || s.type === 'final').map((s) => s.id.slice(prefix.length));
  // For each leaf state, the shortest path that reaches it.
  const chosen = leaves.map((leaf) => ({ leaf, path: paths.filter((p) => (p.state as AnyMachineSnapshot).matches(leaf as never)).sort((a, b) => a.steps.length - b.steps.length)[0] }));

  it('covers every leaf state (unstratified only exists without a stratum at enrolment)', () => {
    expect(chosen.filter((c) => !c.path).map((c) => c.leaf)).toEqual(['enrolled.active.stratification.unstratified']);
    expect(initialTransition(courseOfCare, input)[0].value).toBe('referral');
  });

  for (const { leaf, path } of chosen.filter((c) => c.path)) {
    it(`reaches ${leaf}`, async () => {
      const p = await createPatient(base, world, { diagnoses: [[SKS, 'DE119']] });
      const res = await apply(base, PROGRAMME, [subject(p.id), { name: 'screening', valueCode: 'clinician' }]);
      expect(res.status, res.text).toBe(201);
      const id = res.body.id;
      for (const step of path!.steps) {
        if (step.event.type.startsWith('xstate.')) continue;
        const { type, ...data } = step.event as Record<string, unknown> & { type: string };
        const real = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v === 'NURSE' ? nurse : v === 'Organization/ORG' ? `Organization/${world.municipality}` : v]));
        const sent = await fhirFetch(`${base}/CarePlan/${id}/$event`, { method: 'POST', body: eventParameters(type, real as never) });
        expect(sent.status, `${type}: ${sent.text}`).toBe(200);
        const expected = step.state as AnyMachineSnapshot;
        const view = readWorkflow(sent.body);
        const leavesNow = view.states;
        expect([...leavesNow].sort()).toEqual(statePaths(expected.value).sort());
        // The answer to $event is what $workflow says right after, history aside.
        const { history: _h, carePlan: _c, ...answered } = view;
        const { history: _h2, carePlan: _c2, ...current } = await workflowOf(base, id);
        expect(answered).toEqual(current);
        await expectFhirSide(id, leavesNow);
      }
      expect(readWorkflow((await fhirFetch(`${base}/CarePlan/${id}/$workflow`)).body).states.some((s) => s === leaf || s.startsWith(`${leaf}.`))).toBe(true);
    });
  }
});

function statePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => statePaths(v, `${prefix}${k}.`));
}

const covers = (states: string[], path: string) => states.some((s) => s === path || s.startsWith(`${path}.`));

async function expectFhirSide(id: string, states: string[]): Promise<void> {
  const plan = await readRef(base, `CarePlan/${id}`);
  const episode = await readRef(base, plan.extension.find((e: any) => e.url.endsWith('workflow-episodeOfCare')).valueReference.reference);
  const planStatus = PLAN_STATUS.find(([s]) => covers(states, s));
  if (planStatus) expect(plan.status, `CarePlan in ${states}`).toBe(planStatus[1]);
  const episodeStatus = EPISODE_STATUS.find(([s]) => covers(states, s));
  if (episodeStatus) expect(episode.status, `EpisodeOfCare in ${states}`).toBe(episodeStatus[1]);
  const open = (await search(base, `Task?based-on=CarePlan/${id}&_count=200`)).filter((t) => !['completed', 'cancelled'].includes(t.status));
  const openCodes = new Set(open.map((t) => t.code.coding[0].code));
  for (const [state, code] of OPEN_TASK) if (covers(states, state)) expect(openCodes.has(code), `${code} Task open in ${states}`).toBe(true);
  if (states.every((s) => FINAL.has(s))) expect(open.map((t) => t.code.coding[0].code), `open Tasks in ${states}`).toEqual([]);
}
