/*
 * Documented moves of running instances from one machine version to another. A running course keeps the
 * version it started with; when a change should reach running courses too, the new version is listed in
 * registry.ts and a migration here says how a persisted snapshot of the old version becomes one of the new
 * (rename a state, add a context field, …). Pure: snapshot JSON in, snapshot JSON out.
 * `POST /fhir/$migrate-workflows` applies one to every instance of its `from` version.
 */

/** xstate's persisted snapshot as JSON (value, context, status, …). */
export type PersistedSnapshot = { value: unknown; context: Record<string, unknown>; status: string } & Record<string, unknown>;

export interface MachineMigration {
  machine: string;
  from: string;
  to: string;
  /** What changes for a running course, in a sentence (recorded in each migrated course's Provenance). */
  description: string;
  migrate(snapshot: PersistedSnapshot): PersistedSnapshot;
}

export const MIGRATIONS: MachineMigration[] = [];

export function migrationFor(machine: string, from: string, to: string): MachineMigration | undefined {
  return MIGRATIONS.find((m) => m.machine === machine && m.from === from && m.to === to);
}
