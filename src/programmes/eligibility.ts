import type { Condition, Encounter, Observation, Patient, PlanDefinition } from '@medplum/fhirtypes';
import { unprocessable } from '../fhir/errors.js';
import type { Terminology } from './codes.js';
import { compileExpression, fhirpathDate, isTrue, memberOfUrls, type Evaluator } from './expressions.js';
import { ACTION } from './model.js';
import { topAction } from './plan-actions.js';

/*
 * Eligibility: the applicability conditions of the programme's `enrolment` action, all of which must hold.
 * Pure: the caller gathers the patient's data and the value sets; nothing here reads the store.
 */

/** What the expressions see, besides the value sets. */
export interface PatientData {
  patient: Patient;
  /** The patient's Conditions that count (see isCountingCondition). */
  conditions: Condition[];
  observations: Observation[];
  encounters: Encounter[];
  /** Today's date (YYYY-MM-DD), as %today. */
  today: string;
}

export interface CompiledCondition {
  /** `expression.name` (inclusion, exclusion-…, age, …). */
  name: string;
  /** `expression.description`: the sentence a 422 shows. */
  description: string;
  /** Where it sits, e.g. `PlanDefinition.action[0].condition[1]`. */
  path: string;
  /** Value sets named in memberOf() calls. */
  valueSets: string[];
  run: Evaluator;
}

export interface Failure {
  name: string;
  description: string;
  path: string;
  /** For an exclusion by code: the patient's Conditions in its value sets (the reason it failed). */
  matches: Condition[];
}

export interface EligibilityResult {
  eligible: boolean;
  failures: Failure[];
  /** The Conditions in the programme's inclusion value sets (the EpisodeOfCare's diagnoses); all for a programme without. */
  evidence: Condition[];
}

const INACTIVE_CLINICAL = new Set(['resolved', 'inactive']);
const INVALID_VERIFICATION = new Set(['entered-in-error', 'refuted']);

/** A Condition counts unless it was entered in error, refuted, resolved or inactive. */
export function isCountingCondition(c: Condition): boolean {
  const clinical = c.clinicalStatus?.coding?.map((x) => x.code) ?? [];
  const verification = c.verificationStatus?.coding?.map((x) => x.code) ?? [];
  return !clinical.some((x) => x && INACTIVE_CLINICAL.has(x)) && !verification.some((x) => x && INVALID_VERIFICATION.has(x));
}

/** The variables of every programme expression. */
export function expressionVars(data: PatientData, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    patient: data.patient,
    subject: data.patient,
    conditions: data.conditions,
    observations: data.observations,
    encounters: data.encounters,
    today: fhirpathDate(data.today),
    ...extra,
  };
}

/** Compile the enrolment conditions of a programme. */
export function compileEnrolment(plan: PlanDefinition): CompiledCondition[] {
  const found = topAction(plan, ACTION.enrolment);
  if (!found) unprocessable(`${plan.url} has no enrolment action`, ['PlanDefinition.action']);
  const { action, index } = found!;
  return (action.condition ?? [])
    .map((c, i) => ({ c, path: `PlanDefinition.action[${index}].condition[${i}]` }))
    .filter(({ c }) => c.kind === 'applicability')
    .map(({ c, path }) => ({
      name: c.expression?.name ?? path,
      description: c.expression?.description ?? c.expression?.expression ?? path,
      path,
      valueSets: memberOfUrls(c.expression?.expression ?? ''),
      run: compileExpression(c.expression, path),
    }));
}

/**
 * The diagnosis value sets that define the programme's patient group: the enrolment input's Condition
 * codeFilter.valueSet (documentation of what is read), else those named by conditions called `inclusion…`.
 * A programme whose input reads other data (Observations: not diagnosis-based) has none.
 */
export function inclusionValueSets(plan: PlanDefinition, conditions: CompiledCondition[]): string[] {
  const input = topAction(plan, ACTION.enrolment)?.action.input ?? [];
  if (input.length) return input.filter((d) => d.type === 'Condition').flatMap((d) => d.codeFilter ?? []).flatMap((f) => (f.valueSet ? [f.valueSet] : []));
  return conditions.filter((c) => c.name.startsWith('inclusion')).flatMap((c) => c.valueSets);
}

/** The Conditions whose code is in any of the value sets. */
export function conditionsIn(conditions: Condition[], valueSets: string[], terminology: Terminology): Condition[] {
  return conditions.filter((c) => valueSets.some((url) => terminology.memberOf(url, c.code)));
}

/** Evaluate every enrolment condition; eligible when all hold. `inclusion`: the programme's diagnosis value sets. */
export function evaluateEligibility(
  inclusion: string[],
  conditions: CompiledCondition[],
  data: PatientData,
  terminology: Terminology,
): EligibilityResult {
  const vars = expressionVars(data);
  const failures: Failure[] = [];
  for (const cond of conditions) {
    if (isTrue(cond.run(vars, terminology))) continue;
    // An exclusion fails because of the Conditions it matched: name them.
    const matches = cond.name.startsWith('exclusion') ? conditionsIn(data.conditions, cond.valueSets, terminology) : [];
    failures.push({ name: cond.name, description: cond.description, path: cond.path, matches });
  }
  // Not diagnosis-based (no inclusion value set): every Condition of the patient is relevant to the episode.
  const evidence = inclusion.length ? conditionsIn(data.conditions, inclusion, terminology) : data.conditions;
  return { eligible: failures.length === 0, failures, evidence };
}
