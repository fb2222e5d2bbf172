import { randomUUID } from 'node:crypto';
import { ICD10_SYSTEM, type GenOptions } from '../data.js';
import { freshPatient, patientTemplates } from './write-data.js';
import { fhirHeaders, type BoundWorkload, type Capabilities, type WorkloadDef } from './workload.js';

/**
 * Workloads on FHIR operations that later issues add: `PlanDefinition/$apply` (issue 5, enrolment)
 * and `CarePlan/$event` (issue 6, workflow). Each row says "not available" until the server's
 * CapabilityStatement lists the operation; once it does, fill in `bind` (what to send, which
 * status to expect) and the row measures it like any other workload.
 */
interface OperationSpec {
  name: string;
  /** Operation name as in the CapabilityStatement, without `$`. */
  operation: string;
  issue: number;
  description: string;
  expectStatus: number;
  /** How to drive it on a server: fill in once the operation exists. */
  bind?: WorkloadDef['bind'];
}

const specs = (gen: GenOptions): OperationSpec[] => [
  {
    name: '$apply',
    operation: 'apply',
    issue: 5,
    description:
      'POST /fhir/PlanDefinition/<programme>/$apply with subject = a patient with its inclusion diagnosis, each (patient, programme) once: eligibility, EpisodeOfCare, CarePlan, CareTeam, stratification, first activities, Provenance in one transaction',
    expectStatus: 201,
    bind: (target) => applyWorkload(target.root, gen),
  },
  {
    name: '$event',
    operation: 'event',
    issue: 6,
    description:
      'POST /fhir/CarePlan/<id>/$event, PAUSE and RESUME in turn over 400 enrolled courses (consent given): each one persisted transition with all its effects — CarePlan version with status and status history, Provenance, snapshot, transition log — in one transaction',
    expectStatus: 200,
    bind: (target) => eventWorkload(target.root, gen),
  },
];

/** Patients created for $apply per target: an enrolment happens once, so each request needs one. */
const APPLY_POOL = 6000;

/**
 * $apply on fresh patients, each created (in transaction Bundles, before measuring) with an active type 2
 * diabetes diagnosis and a GP: every request enrols a different eligible patient in the seeded
 * diabetes programme. The run is a fixed amount of requests within the pool.
 */
async function applyWorkload(root: string, gen: GenOptions): Promise<BoundWorkload> {
  const ids = await diabetesPatients(root, gen, APPLY_POOL);
  let n = 0;
  return {
    next: () => {
      if (n >= ids.length) throw new Error(`$apply: all ${ids.length} prepared patients are enrolled (raise APPLY_POOL)`);
      const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'subject', valueString: `Patient/${ids[n++]}` }] });
      return { req: { method: 'POST', path: '/fhir/PlanDefinition/diabetes-type-2/$apply', body } };
    },
    check: (body) => (body.includes('"resourceType":"CarePlan"') ? [] : [`not a CarePlan: ${body.slice(0, 200)}`]),
  };
}

/** Courses the $event workload steps in turn: far more than connections, so no two requests meet on one course. */
const EVENT_COURSES = 400;

/**
 * $event: enrol EVENT_COURSES patients in the seeded diabetes programme and give consent (before measuring);
 * then each request sends the next event of one course in turn, PAUSE then RESUME, round after round.
 */
async function eventWorkload(root: string, gen: GenOptions): Promise<BoundWorkload> {
  const patients = await diabetesPatients(root, gen, EVENT_COURSES);
  const post = async (path: string, parameter: unknown[], expect: number) => {
    const res = await fetch(`${root}/fhir${path}`, { method: 'POST', headers: fhirHeaders({ body: '' }), body: JSON.stringify({ resourceType: 'Parameters', parameter }) });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`$event workload: POST ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as { id: string };
  };
  const courses: string[] = [];
  for (const id of patients) {
    const plan = await post('/PlanDefinition/diabetes-type-2/$apply', [{ name: 'subject', valueString: `Patient/${id}` }], 201);
    await post(`/CarePlan/${plan.id}/$event`, [{ name: 'event', valueCode: 'CONSENT_GIVEN' }], 200);
    courses.push(plan.id);
  }
  let n = 0;
  return {
    next: () => {
      const course = courses[n % courses.length];
      const event = Math.floor(n / courses.length) % 2 === 0 ? 'PAUSE' : 'RESUME';
      n++;
      const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'event', valueCode: event }] });
      return { req: { method: 'POST', path: `/fhir/CarePlan/${course}/$event`, body } };
    },
    check: (body) => (body.includes('"name":"state"') ? [] : [`not a workflow state: ${body.slice(0, 200)}`]),
  };
}

/** Fresh patients with an active type 2 diabetes diagnosis and a GP, created in transaction Bundles. */
async function diabetesPatients(root: string, gen: GenOptions, count: number): Promise<string[]> {
  const templates = patientTemplates(gen);
  const ids: string[] = [];
  while (ids.length < count) {
    const size = Math.min(200, count - ids.length);
    const entry = Array.from({ length: size }, (_, i) => {
      const url = `urn:uuid:${randomUUID()}`;
      return [
        { fullUrl: url, resource: freshPatient(templates[(ids.length + i) % templates.length]), request: { method: 'POST', url: 'Patient' } },
        { resource: diabetes(url), request: { method: 'POST', url: 'Condition' } },
      ];
    }).flat();
    const res = await fetch(`${root}/fhir`, { method: 'POST', headers: fhirHeaders({ body: '' }), body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }) });
    const body = (await res.json()) as { entry?: { response?: { location?: string } }[] };
    if (res.status !== 200) throw new Error(`creating diabetes patients failed: HTTP ${res.status}`);
    for (const e of body.entry ?? []) {
      const m = /(?:^|\/)Patient\/([^/]+)\/_history\//.exec(e.response?.location ?? '');
      if (m) ids.push(m[1]);
    }
    if (ids.length === 0) throw new Error('the transaction answer names no Patient location');
  }
  return ids;
}

function diabetes(subject: string): Record<string, unknown> {
  const coding = (system: string, code: string) => ({ coding: [{ system, code }] });
  return {
    resourceType: 'Condition',
    clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
    verificationStatus: coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
    code: { coding: [{ system: ICD10_SYSTEM, code: 'E11.9', display: 'Type 2-diabetes uden komplikationer' }] },
    subject: { reference: subject },
    onsetDateTime: '2019-05-01',
  };
}

export function operationWorkloads(gen: GenOptions): WorkloadDef[] {
  return specs(gen).map((spec) => ({
    name: spec.name,
    description: spec.description,
    group: 'operation' as const,
    expectStatus: spec.expectStatus,
    // Each request changes what the next may do (an enrolment happens once): count requests, abandon none.
    fixedAmount: true,
    unavailable: (caps: Capabilities) => {
      if (!caps.operations.has(spec.operation)) return `not available (issue ${spec.issue})`;
      if (!spec.bind) return `$${spec.operation} exists, its workload is not written yet (bench/lib/operation-workloads.ts)`;
      return undefined;
    },
    bind: async (target, patients) => {
      if (!spec.bind) throw new Error(`${spec.name}: no workload yet`);
      return spec.bind(target, patients);
    },
  }));
}

/** Operation names the server lists in its CapabilityStatement (system and resource level). */
export async function fetchCapabilities(root: string): Promise<Capabilities> {
  const res = await fetch(`${root}/fhir/metadata`, { headers: { accept: 'application/fhir+json' } });
  if (res.status !== 200) throw new Error(`GET /fhir/metadata answered ${res.status}`);
  type Op = { name?: string };
  const cs = (await res.json()) as { rest?: { operation?: Op[]; resource?: { operation?: Op[] }[] }[] };
  const operations = new Set<string>();
  for (const rest of cs.rest ?? []) {
    for (const op of rest.operation ?? []) if (op.name) operations.add(op.name.replace(/^\$/, ''));
    for (const r of rest.resource ?? []) for (const op of r.operation ?? []) if (op.name) operations.add(op.name.replace(/^\$/, ''));
  }
  return { operations };
}
