import type { PlanDefinition } from '@medplum/fhirtypes';
import { compileEnrolment, inclusionValueSets, type CompiledCondition } from './eligibility.js';
import { compileStrata, type CompiledStratum } from './strata.js';

/** A programme's expressions, compiled, and the value sets they need. */
export interface CompiledProgramme {
  enrolment: CompiledCondition[];
  strata: CompiledStratum[];
  /** The value sets defining the patient group (the EpisodeOfCare's diagnoses come from them). */
  inclusion: string[];
  /** Every value set the expressions or the input name. */
  valueSets: string[];
}

/**
 * Compiled once per programme `url|version`. The stored version id is kept with the entry, so a programme
 * edited in place under the same version is recompiled rather than served stale.
 */
const cache = new Map<string, { stamp: string; compiled: CompiledProgramme }>();

export function compileProgramme(plan: PlanDefinition): CompiledProgramme {
  const key = `${plan.url}|${plan.version ?? ''}`;
  const stamp = `${plan.id}/${plan.meta?.versionId ?? ''}`;
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.compiled;
  const enrolment = compileEnrolment(plan);
  const strata = compileStrata(plan);
  const inclusion = inclusionValueSets(plan, enrolment);
  const valueSets = [...new Set([...inclusion, ...enrolment.flatMap((c) => c.valueSets), ...strata.flatMap((s) => s.valueSets)])];
  const compiled = { enrolment, strata, inclusion, valueSets };
  cache.set(key, { stamp, compiled });
  return compiled;
}
