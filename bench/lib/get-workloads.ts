import { describeMatches, sampleWorkload } from './sample.js';
import { readPaths, searchWorkloads, type PathWorkload } from './workloads.js';
import { rotatingPaths, type WorkloadDef } from './workload.js';

/** Read by id, on the servers and on the floors (which answer any id with the same bytes). */
export function readWorkload(seed: number): WorkloadDef {
  return {
    name: 'read',
    description: 'GET /fhir/Patient/<id>, every loaded patient in turn',
    group: 'read',
    expectStatus: 200,
    onFloors: true,
    bind: async (_target, patients) => ({
      ...rotatingPaths(readPaths(patients, seed)),
      check: (body) => (resourceTypeOf(body) === 'Patient' ? [] : [`not a Patient: ${body.slice(0, 100)}`]),
    }),
  };
}

/**
 * The search workloads of bench/lib/workloads.ts (token, reference + token, string prefix, date
 * range, _include, _has, chain), each rotating through its paths and sampled for the right matches.
 */
export function searchDefs(seed: number, extra = ''): WorkloadDef[] {
  const pick = (name: string, patients: Parameters<typeof searchWorkloads>[0]): PathWorkload =>
    searchWorkloads(patients, seed, extra).find((w) => w.name === name)!;
  return searchWorkloads([], seed).map((w) => ({
    name: w.name,
    description: w.description,
    group: 'search' as const,
    expectStatus: 200,
    bind: async (_target, patients) => {
      const pw = pick(w.name, patients);
      return {
        ...rotatingPaths(pw.paths),
        sample: async (endpoint) => {
          const c = await sampleWorkload(endpoint, pw);
          return { statuses: c.statuses, problems: c.problems, detail: `matches ${describeMatches(c)}` };
        },
      };
    },
  }));
}

/** The resourceType of a JSON body, or undefined when it is not a JSON resource. */
export function resourceTypeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { resourceType?: string }).resourceType;
  } catch {
    return undefined;
  }
}
