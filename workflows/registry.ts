import { courseOfCareDefinition } from './course-of-care.js';
import { jointCoordinationDefinition } from './joint-coordination.js';
import type { MachineDefinition, PlanDefinitionLike } from './machine-definition.js';

/*
 * Every machine the engine can run, by id and version. Dedicated machines come first; course-of-care serves
 * every other programme. Old versions stay listed while instances of them may still run.
 */
export const MACHINES: MachineDefinition[] = [jointCoordinationDefinition, courseOfCareDefinition];

/** The machine new enrolments in the programme start: the newest version of the first that serves it. */
export function machineFor(plan: PlanDefinitionLike): MachineDefinition {
  return MACHINES.find((m) => m.serves(plan))!;
}

/** The machine a running instance was started with; undefined when that version is no longer known. */
export function machineByVersion(id: string, version: string): MachineDefinition | undefined {
  return MACHINES.find((m) => m.id === id && m.version === version);
}
