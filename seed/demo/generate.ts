import { createHash } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { chooseDiagnoses, clinicalRecord } from './clinical.js';
import { scaledCounts } from './distribution.js';
import { makePerson } from './people.js';
import { Prng } from './prng.js';

/*
 * The demo population: `patients` synthetic patients whose number of chronic disease groups follows the
 * Danish distribution exactly (scaled by largest remainder, then shuffled), each with CPR, GP, address,
 * Conditions, Encounters and Observations. Pure: the same options give the same Bundles, byte for byte
 * (`hash`). Resources have fixed ids and are PUT, so loading twice updates rather than duplicates.
 */

export interface DemoOptions {
  seed: number;
  patients: number;
  /** The date the population is "as of" (YYYY-MM-DD): ages and dates count back from it. */
  referenceDate: string;
  patientsPerBundle: number;
}

export const DEFAULT_DEMO: DemoOptions = { seed: 20250101, patients: 1000, referenceDate: '2025-01-01', patientsPerBundle: 25 };

export interface DemoPopulation {
  bundles: Bundle[];
  /** sha256 of the Bundles' JSON. */
  hash: string;
  resources: number;
}

export function generateDemo(options: Partial<DemoOptions> = {}): DemoPopulation {
  const o = { ...DEFAULT_DEMO, ...options };
  const rng = new Prng(o.seed);
  const counts = scaledCounts(o.patients);
  const groups = rng.shuffle(([1, 2, 3, 4, 5] as const).flatMap((k) => Array<number>(counts[k]).fill(k)));
  const usedCpr = new Set<string>();
  const perPatient: Resource[][] = groups.map((g, i) => {
    const person = makePerson(i, g, o.referenceDate, rng, usedCpr);
    const record = clinicalRecord(person, chooseDiagnoses(g, person.sex, rng), o.referenceDate, rng);
    return [person.patient, ...record.conditions, ...record.encounters, ...record.observations];
  });
  const bundles: Bundle[] = [];
  for (let i = 0; i < perPatient.length; i += o.patientsPerBundle) {
    const resources = perPatient.slice(i, i + o.patientsPerBundle).flat();
    bundles.push({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
    });
  }
  const hash = createHash('sha256').update(JSON.stringify(bundles)).digest('hex');
  return { bundles, hash, resources: perPatient.reduce((s, r) => s + r.length, 0) };
}
