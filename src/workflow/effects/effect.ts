import type { Reference } from '@medplum/fhirtypes';
import type { WorkingSet } from '../working-set.js';

/*
 * What an effect (one machine action made FHIR) works with. Effects change resources in the working set and
 * record timers and follow-up events here; the engine writes it all in the transition's transaction.
 */
export interface EffectEnv {
  ws: WorkingSet;
  now: string;
  event: { type: string } & Record<string, unknown>;
  /** Who sent the event (a reference), absent for the scheduler. */
  by?: string;
  /** Timer id → its event and due instant, or null to cancel it. */
  timers: Map<string, { event: string; due: string } | null>;
  /** Events for other courses of the same patient (a death), applied after this transition in the same transaction. */
  cascade: { carePlanId: string; event: { type: string } & Record<string, unknown> }[];
  /** The organisation a Task with this code goes to, when an earlier action of the transition decided it. */
  owners: Map<string, Reference>;
}

export type Effect = (env: EffectEnv, params: Record<string, unknown>) => Promise<void>;
