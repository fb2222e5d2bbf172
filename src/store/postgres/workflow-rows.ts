import { VersionConflict } from '../types.js';
import type {
  IdempotencyRow,
  WorkflowInstanceRow,
  WorkflowReader,
  WorkflowTimerRow,
  WorkflowTransitionRow,
  WorkflowWriter,
} from '../workflow-types.js';
import type { Query } from './query.js';

/* The workflow tables (schema.ts, migration 2) on PostgreSQL; the same rows as store/sqlite/workflow-rows.ts. */


const INSTANCE = `SELECT careplan_id AS "carePlanId", machine, machine_version AS "machineVersion",
  careplan_version AS "carePlanVersion", snapshot, created, updated FROM workflow_instance`;
const TRANSITION = `SELECT careplan_id AS "carePlanId", seq, event, data, from_state AS "from", to_state AS "to", at, by,
  provenance_id AS "provenanceId" FROM workflow_transition`;
const TIMER = 'SELECT careplan_id AS "carePlanId", timer_id AS "timerId", event, due FROM workflow_timer';

/** PostgreSQL gives NULL for absent optional columns; the row types say "absent". */
function dropNulls<T extends object>(row: T): T {
  for (const k of Object.keys(row) as (keyof T)[]) if (row[k] === null) delete row[k];
  return row;
}

export class PgWorkflowReader implements WorkflowReader {
  constructor(protected readonly query: Query) {}

  async instance(carePlanId: string) {
    return (await this.query<WorkflowInstanceRow>('wf_instance', `${INSTANCE} WHERE careplan_id = $1`, [carePlanId])).rows[0];
  }
  async instancesOf(machine: string, version: string, afterId: string, limit: number) {
    const { rows } = await this.query<{ id: string }>(
      'wf_instances_of',
      'SELECT careplan_id AS id FROM workflow_instance WHERE machine = $1 AND machine_version = $2 AND careplan_id > $3 ORDER BY careplan_id LIMIT $4',
      [machine, version, afterId, limit],
    );
    return rows.map((r) => r.id);
  }
  async transitions(carePlanId: string) {
    return (await this.query<WorkflowTransitionRow>('wf_log', `${TRANSITION} WHERE careplan_id = $1 ORDER BY seq`, [carePlanId])).rows.map(dropNulls);
  }
  async timers(carePlanId: string) {
    return (await this.query<WorkflowTimerRow>('wf_timers', `${TIMER} WHERE careplan_id = $1 ORDER BY due, timer_id`, [carePlanId])).rows;
  }
  async dueTimers(until: string, limit: number) {
    return (await this.query<WorkflowTimerRow>('wf_due', `${TIMER} WHERE due <= $1 ORDER BY due, careplan_id, timer_id LIMIT $2`, [until, limit])).rows;
  }
  async nextTimer() {
    return (await this.query<WorkflowTimerRow>('wf_next', `${TIMER} ORDER BY due LIMIT 1`, [])).rows[0];
  }
  async idempotency(key: string) {
    return (await this.query<IdempotencyRow>('wf_key', 'SELECT key, fingerprint, status, body, created FROM idempotency_key WHERE key = $1', [key])).rows[0];
  }
  async setting(key: string) {
    return (await this.query<{ value: string }>('wf_setting', 'SELECT value FROM setting WHERE key = $1', [key])).rows[0]?.value;
  }
}

export class PgWorkflowWriter extends PgWorkflowReader implements WorkflowWriter {
  async saveInstance(row: WorkflowInstanceRow, expected?: number) {
    if (expected === undefined) {
      await this.query(
        'wf_insert_instance',
        `INSERT INTO workflow_instance (careplan_id, machine, machine_version, careplan_version, snapshot, created, updated)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [row.carePlanId, row.machine, row.machineVersion, row.carePlanVersion, row.snapshot, row.created, row.updated],
      );
      return;
    }
    const { rowCount } = await this.query(
      'wf_update_instance',
      `UPDATE workflow_instance SET machine = $2, machine_version = $3, careplan_version = $4, snapshot = $5, updated = $6
       WHERE careplan_id = $1 AND careplan_version = $7`,
      [row.carePlanId, row.machine, row.machineVersion, row.carePlanVersion, row.snapshot, row.updated, expected],
    );
    if (rowCount === 0) {
      const actual = (await this.instance(row.carePlanId))?.carePlanVersion ?? 0;
      throw new VersionConflict('CarePlan', row.carePlanId, expected, actual);
    }
  }
  async addTransition(row: Omit<WorkflowTransitionRow, 'seq'>) {
    const { rows } = await this.query<{ seq: number }>(
      'wf_add_transition',
      `INSERT INTO workflow_transition (careplan_id, seq, event, data, from_state, to_state, at, by, provenance_id)
       SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM workflow_transition WHERE careplan_id = $1 RETURNING seq`,
      [row.carePlanId, row.event, row.data ?? null, row.from, row.to, row.at, row.by ?? null, row.provenanceId ?? null],
    );
    return rows[0].seq;
  }
  async setTimer(row: WorkflowTimerRow) {
    await this.query(
      'wf_set_timer',
      `INSERT INTO workflow_timer (careplan_id, timer_id, event, due) VALUES ($1, $2, $3, $4)
       ON CONFLICT (careplan_id, timer_id) DO UPDATE SET event = excluded.event, due = excluded.due`,
      [row.carePlanId, row.timerId, row.event, row.due],
    );
  }
  /**
   * SKIP LOCKED: a timer another node is firing right now (its row locked by that transaction) counts as
   * gone, so nodes sharing the database never wait on each other's timers and each fires at most once.
   */
  async deleteTimer(carePlanId: string, timerId: string) {
    const { rowCount } = await this.query(
      'wf_delete_timer',
      `DELETE FROM workflow_timer WHERE (careplan_id, timer_id) IN (
         SELECT careplan_id, timer_id FROM workflow_timer WHERE careplan_id = $1 AND timer_id = $2 FOR UPDATE SKIP LOCKED)`,
      [carePlanId, timerId],
    );
    return (rowCount ?? 0) > 0;
  }
  async rememberIdempotency(row: IdempotencyRow) {
    await this.query(
      'wf_remember_key',
      'INSERT INTO idempotency_key (key, fingerprint, status, body, created) VALUES ($1, $2, $3, $4, $5)',
      [row.key, row.fingerprint, row.status, row.body, row.created],
    );
  }
  async forgetIdempotency(keyPrefix: string, createdBefore: string) {
    const { rowCount } = await this.query('wf_forget_keys', "DELETE FROM idempotency_key WHERE key LIKE $1 || '%' AND created < $2", [keyPrefix, createdBefore]);
    return rowCount ?? 0;
  }
  async setSetting(key: string, value: string) {
    await this.query(
      'wf_set_setting',
      'INSERT INTO setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }
}
