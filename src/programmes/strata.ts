import type { Condition, Observation, PlanDefinition, PlanDefinitionAction } from '@medplum/fhirtypes';
import { unprocessable } from '../fhir/errors.js';
import type { Terminology } from './codes.js';
import { expressionVars, type PatientData } from './eligibility.js';
import { compileExpression, isTrue, memberOfUrls, type Evaluator } from './expressions.js';
import { ACTION, CS } from './model.js';
import { stratumOf, topAction } from './plan-actions.js';

/*
 * Stratification: the sub-actions of the programme's `stratification` action are the strata in order; the
 * first whose condition holds wins, and the last has no condition (the default). Conditions see the eligibility
 * variables plus %complexity, %selfCare and %severity (codes, or empty).
 */

export interface CompiledStratum {
  stratum: string;
  action: PlanDefinitionAction;
  path: string;
  valueSets: string[];
  /** Absent for the default stratum. */
  run?: Evaluator;
}

/** The inputs of stratification and where they came from. */
export interface StratumInputs {
  complexity?: string;
  selfCare?: string;
  severity?: string;
  /** The patient's latest stratification Observation, when its components were used. */
  source?: Observation;
  /** The Conditions that made complexity high (derived, not observed). */
  chronicConditions: Condition[];
}

export interface StratumResult {
  stratum: string;
  action: PlanDefinitionAction;
  inputs: StratumInputs;
}

/** Compile the strata of a programme; empty when it has no stratification action. */
export function compileStrata(plan: PlanDefinition): CompiledStratum[] {
  const found = topAction(plan, ACTION.stratification);
  if (!found) return [];
  return (found.action.action ?? []).map((action, i) => {
    const path = `PlanDefinition.action[${found.index}].action[${i}]`;
    const stratum = stratumOf(action);
    if (!stratum) unprocessable(`${path} has no code from ${CS.stratum}`, [path]);
    const condition = action.condition?.find((c) => c.kind === 'applicability');
    return {
      stratum: stratum!,
      action,
      path,
      valueSets: memberOfUrls(condition?.expression?.expression ?? ''),
      run: condition ? compileExpression(condition.expression, `${path}.condition`) : undefined,
    };
  });
}

/** Components of a stratification Observation, by component code. */
function component(obs: Observation, code: string): string | undefined {
  const comp = obs.component?.find((c) => c.code?.coding?.some((x) => x.system === CS.stratification && x.code === code));
  return comp?.valueCodeableConcept?.coding?.[0]?.code;
}

function isStratification(obs: Observation): boolean {
  return !!obs.code?.coding?.some((c) => c.system === CS.stratification && c.code === 'stratum') && obs.status !== 'entered-in-error' && obs.status !== 'cancelled';
}

function effective(obs: Observation): string {
  return obs.effectiveDateTime ?? obs.effectivePeriod?.start ?? obs.issued ?? obs.meta?.lastUpdated ?? '';
}

/**
 * The stratification inputs: the components of the patient's latest stratification Observation where it
 * has them; otherwise derived. Derivation (an assumption): complexity is `high` when the patient has two or
 * more chronic diseases the catalogue covers, else `low`; self-care is `good` without an assessment; severity
 * stays empty. See chronicDiseaseConditions.
 */
export function stratumInputs(data: PatientData, catalogueInclusions: string[], terminology: Terminology): StratumInputs {
  const latest = data.observations.filter(isStratification).sort((a, b) => effective(b).localeCompare(effective(a)))[0];
  const chronic = chronicDiseaseConditions(data.conditions, catalogueInclusions, terminology);
  const observed = latest && {
    complexity: component(latest, 'disease-complexity'),
    selfCare: component(latest, 'self-care-ability'),
    severity: component(latest, 'severity'),
  };
  return {
    complexity: observed?.complexity ?? (chronic.length ? 'high' : 'low'),
    selfCare: observed?.selfCare ?? 'good',
    severity: observed?.severity,
    source: observed && (observed.complexity || observed.selfCare || observed.severity) ? latest : undefined,
    chronicConditions: observed?.complexity ? [] : chronic,
  };
}

/**
 * The Conditions showing two or more chronic diseases, or none. A chronic disease is what a programme's
 * inclusion value set covers; two Conditions are different diseases when no single programme covers both
 * (so diabetes coded in SKS and in ICPC-2 is one disease, also when two programmes include diabetes; diabetes
 * and COPD are two).
 */
export function chronicDiseaseConditions(conditions: Condition[], catalogueInclusions: string[], terminology: Terminology): Condition[] {
  const covered = conditions
    .map((c) => ({ c, groups: new Set(catalogueInclusions.filter((url) => terminology.memberOf(url, c.code))) }))
    .filter((x) => x.groups.size > 0);
  const disjoint = (a: Set<string>, b: Set<string>) => ![...a].some((g) => b.has(g));
  const two = covered.some((x, i) => covered.slice(i + 1).some((y) => disjoint(x.groups, y.groups)));
  return two ? covered.map((x) => x.c) : [];
}

/** First-match selection; undefined when the programme has no strata. */
export function selectStratum(strata: CompiledStratum[], data: PatientData, inputs: StratumInputs, terminology: Terminology): StratumResult | undefined {
  if (strata.length === 0) return undefined;
  const vars = expressionVars(data, {
    complexity: inputs.complexity ?? [],
    selfCare: inputs.selfCare ?? [],
    severity: inputs.severity ?? [],
  });
  for (const s of strata) {
    if (!s.run || isTrue(s.run(vars, terminology))) return { stratum: s.stratum, action: s.action, inputs };
  }
  return unprocessable(`No stratum applies and the last stratum has a condition (it must be the default)`, [strata[strata.length - 1].path]);
}
