/*
 * The workflow engine's own rows (src/workflow/): one instance per CarePlan, its transition log, its durable
 * timers, remembered Idempotency-Key answers and small settings (the manual clock). Written only inside the
 * store transaction that writes the FHIR effects of the same transition.
 */

export interface WorkflowInstanceRow {
  carePlanId: string;
  machine: string;
  machineVersion: string;
  /** The CarePlan version the snapshot belongs to (each transition writes a new CarePlan version). */
  carePlanVersion: number;
  /** xstate's persisted snapshot, as JSON text. */
  snapshot: string;
  created: string;
  updated: string;
}

export interface WorkflowTransitionRow {
  carePlanId: string;
  /** 1, 2, … per instance. */
  seq: number;
  event: string;
  /** The event's data as JSON text, absent when it had none. */
  data?: string;
  from: string;
  to: string;
  at: string;
  by?: string;
  /** The Provenance of the transition; absent for a start that wrote nothing ($apply's Provenance covers it). */
  provenanceId?: string;
}

export interface WorkflowTimerRow {
  carePlanId: string;
  timerId: string;
  event: string;
  /** ISO instant. */
  due: string;
}

export interface IdempotencyRow {
  key: string;
  /** What the request was (method, path, body hash): the same key with another request is refused. */
  fingerprint: string;
  status: number;
  /** The response body as JSON text. */
  body: string;
  created: string;
}

export interface WorkflowReader {
  instance(carePlanId: string): Promise<WorkflowInstanceRow | undefined>;
  /** CarePlan ids of the instances running `machine` at `version`, after `afterId` in id order. */
  instancesOf(machine: string, version: string, afterId: string, limit: number): Promise<string[]>;
  transitions(carePlanId: string): Promise<WorkflowTransitionRow[]>;
  timers(carePlanId: string): Promise<WorkflowTimerRow[]>;
  /** Timers due at or before `until`, earliest first. */
  dueTimers(until: string, limit: number): Promise<WorkflowTimerRow[]>;
  /** The earliest pending timer of all instances. */
  nextTimer(): Promise<WorkflowTimerRow | undefined>;
  idempotency(key: string): Promise<IdempotencyRow | undefined>;
  setting(key: string): Promise<string | undefined>;
}

export interface WorkflowWriter extends WorkflowReader {
  /**
   * Insert (expectedCarePlanVersion undefined) or update the instance. An update must find the row at
   * `expectedCarePlanVersion`, else VersionConflict: another transition got there first.
   */
  saveInstance(row: WorkflowInstanceRow, expectedCarePlanVersion?: number): Promise<void>;
  /** Append to the instance's log; resolves to the row's seq. */
  addTransition(row: Omit<WorkflowTransitionRow, 'seq'>): Promise<number>;
  /** Schedule a timer; the same (carePlanId, timerId) again replaces it. */
  setTimer(row: WorkflowTimerRow): Promise<void>;
  /** Remove a timer; resolves true when it was still there (so it fires at most once). */
  deleteTimer(carePlanId: string, timerId: string): Promise<boolean>;
  rememberIdempotency(row: IdempotencyRow): Promise<void>;
  /** Remove the remembered keys starting with `keyPrefix` created before `createdBefore` (ISO instant); resolves to how many. */
  forgetIdempotency(keyPrefix: string, createdBefore: string): Promise<number>;
  setSetting(key: string, value: string): Promise<void>;
}
