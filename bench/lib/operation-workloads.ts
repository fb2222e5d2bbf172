import type { Capabilities, WorkloadDef } from './workload.js';

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

const SPECS: OperationSpec[] = [
  {
    name: '$apply',
    operation: 'apply',
    issue: 5,
    description: 'POST /fhir/PlanDefinition/<programme>/$apply with subject = an eligible patient: EpisodeOfCare, CarePlan, CareTeam, first activities, Provenance',
    expectStatus: 201,
  },
  {
    name: '$event',
    operation: 'event',
    issue: 6,
    description: 'POST /fhir/CarePlan/<id>/$event: one persisted workflow transition with all its FHIR effects',
    expectStatus: 200,
  },
];

export function operationWorkloads(): WorkloadDef[] {
  return SPECS.map((spec) => ({
    name: spec.name,
    description: spec.description,
    group: 'operation' as const,
    expectStatus: spec.expectStatus,
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
