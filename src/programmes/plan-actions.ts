import type { CodeableConcept, PlanDefinition, PlanDefinitionAction } from '@medplum/fhirtypes';
import { ACTION, CS } from './model.js';

/*
 * Finding the parts of a programme's PlanDefinition: the top-level actions `enrolment`, `stratification` and
 * `course` (by activity-type code, or by action id), and the sector / activity-type codes of an action.
 */

/** The first code of `system` in a CodeableConcept. */
export function codeIn(concept: CodeableConcept | undefined, system: string): string | undefined {
  return concept?.coding?.find((c) => c.system === system)?.code;
}

function named(action: PlanDefinitionAction, name: string): boolean {
  return action.id === name || !!action.code?.some((cc) => cc.coding?.some((c) => c.code === name));
}

/** A top-level action by its activity-type code or id; `enrolment` falls back to action[0] as the contract puts it. */
export function topAction(plan: PlanDefinition, name: string): { action: PlanDefinitionAction; index: number } | undefined {
  const actions = plan.action ?? [];
  const index = actions.findIndex((a) => named(a, name));
  if (index >= 0) return { action: actions[index], index };
  if (name === ACTION.enrolment && actions.length > 0 && !actions[0].action?.length) return { action: actions[0], index: 0 };
  return undefined;
}

/** The activity-type code of an action (its own code, else undefined). */
export function activityType(action: PlanDefinitionAction): string | undefined {
  for (const cc of action.code ?? []) {
    const code = codeIn(cc, CS.activityType);
    if (code) return code;
  }
  return undefined;
}

/** The sector that performs an action (`participant.role` from the sector code system). */
export function sectorOf(action: PlanDefinitionAction): string | undefined {
  for (const p of action.participant ?? []) {
    const code = codeIn(p.role, CS.sector);
    if (code) return code;
  }
  return undefined;
}

/** The stratum code of a stratification sub-action (`code` = stratum#N). */
export function stratumOf(action: PlanDefinitionAction): string | undefined {
  for (const cc of action.code ?? []) {
    const code = codeIn(cc, CS.stratum);
    if (code) return code;
  }
  return undefined;
}

/** The programme's canonical, pinned to its version. */
export function pinnedCanonical(plan: PlanDefinition): string {
  return plan.version ? `${plan.url}|${plan.version}` : plan.url!;
}
