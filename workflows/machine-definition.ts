import type { AnyStateMachine, AnyMachineSnapshot } from 'xstate';
import type { EventSchema } from './events.js';

/*
 * What the engine needs to know about one machine: the contract every machine module in workflows/ exports,
 * so the engine runs them all the same way. Pure data and functions; nothing here touches the store.
 */

/** The PlanDefinition fields machines read (the JSON the catalogue builds). */
export interface PlanDefinitionLike {
  url?: string;
  version?: string;
  name?: string;
  action?: unknown[];
}

/** What the enrolment knows when it starts a course. */
export interface StartFacts {
  /** The stratum $apply computed and recorded, when it did. */
  initialStratum?: '1' | '2' | '3' | '4';
  /** Codes of what made the patient eligible (diagnosis codes, or the inclusion parameters of a custom group). */
  basis?: string[];
}

export interface MachineDefinition {
  id: string;
  /** Semver; a running instance keeps the version it started with. */
  version: string;
  machine: AnyStateMachine;
  /** Event type → description and data fields (the API validates against it and lists it). */
  eventSchemas: Record<string, EventSchema>;
  /** Whether the machine in this snapshot takes the event (the engine answers 409 when not). */
  acceptsEvent(snapshot: AnyMachineSnapshot, event: { type: string }): boolean;
  /** Whether this machine runs the courses of the programme. */
  serves(plan: PlanDefinitionLike): boolean;
  /** The machine's input for a course of the programme. */
  input(plan: PlanDefinitionLike, facts: StartFacts): unknown;
  /**
   * Standard FHIR writes that step the machine, so EHR and GP systems need no custom calls: a workflow Task
   * (by its activity-type code) completed or rejected sends the named event, its data taken from Task.output
   * (output.type.text or its first coding's code = the data field's name); an acute (inpatient or emergency)
   * Encounter and a new chronic diagnosis (Condition) of the patient send the events given here.
   */
  taskEvents: Record<string, { completed?: string; rejected?: string }>;
  acuteEncounterEvent?(encounter: string): { type: string } & Record<string, unknown>;
  newDiagnosisEvent?(condition: string): { type: string } & Record<string, unknown>;
  /** The screening event that $apply's own eligibility check stands for (sent right after the start). */
  enrolmentEvent(facts: StartFacts): { type: string } & Record<string, unknown>;
}
