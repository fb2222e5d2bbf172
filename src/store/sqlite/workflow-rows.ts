import type { Database, Statement } from 'better-sqlite3';
import { VersionConflict } from '../types.js';
import type {
  IdempotencyRow,
  WorkflowInstanceRow,
  WorkflowReader,
  WorkflowTimerRow,
  WorkflowTransitionRow,
  WorkflowWriter,
} from '../workflow-types.js';

/* The workflow tables (schema.ts, migration 5) over one connection; statements prepared once. */

const INSTANCE = `SELECT careplan_id AS carePlanId, machine, machine_version AS machineVersion,
  careplan_version AS carePlanVersion, snapshot, created, updated FROM workflow_instance`;
const TRANSITION = `SELECT careplan_id AS carePlanId, seq, event, data, from_state AS "from", to_state AS "to", at, by,
  provenance_id AS provenanceId FROM workflow_transition`;
const TIMER = 'SELECT careplan_id AS carePlanId, timer_id AS timerId, event, due FROM workflow_timer';

/** SQLite gives NULL for absent optional columns; the row types say "absent". */
function dropNulls<T extends object>(row: T): T {
  for (const k of Object.keys(row) as (keyof T)[]) if (row[k] === null) delete row[k];
  return row;
}

export class SqliteWorkflowReader implements WorkflowReader {
  private readonly byPlan: Statement<[string], WorkflowInstanceRow>;
  private readonly log: Statement<[string], WorkflowTransitionRow>;
  private readonly ofVersion: Statement<[string, string, string, number], { id: string }>;
  private readonly planTimers: Statement<[string], WorkflowTimerRow>;
  private readonly due: Statement<[string, number], WorkflowTimerRow>;
  private readonly next: Statement<[], WorkflowTimerRow>;
  private readonly key: Statement<[string], IdempotencyRow>;
  private readonly settingOf: Statement<[string], { value: string }>;

  constructor(readonly db: Database) {
    this.byPlan = db.prepare(`${INSTANCE} WHERE careplan_id = ?`);
    this.log = db.prepare(`${TRANSITION} WHERE careplan_id = ? ORDER BY seq`);
    this.ofVersion = db.prepare(
      'SELECT careplan_id AS id FROM workflow_instance WHERE machine = ? AND machine_version = ? AND careplan_id > ? ORDER BY careplan_id LIMIT ?',
    );
    this.planTimers = db.prepare(`${TIMER} WHERE careplan_id = ? ORDER BY due, timer_id`);
    this.due = db.prepare(`${TIMER} WHERE due <= ? ORDER BY due, careplan_id, timer_id LIMIT ?`);
    this.next = db.prepare(`${TIMER} ORDER BY due LIMIT 1`);
    this.key = db.prepare('SELECT key, fingerprint, status, body, created FROM idempotency_key WHERE key = ?');
    this.settingOf = db.prepare('SELECT value FROM setting WHERE key = ?');
  }

  async instance(carePlanId: string) {
    return this.byPlan.get(carePlanId);
  }
  async instancesOf(machine: string, version: string, afterId: string, limit: number) {
    return this.ofVersion.all(machine, version, afterId, limit).map((r) => r.id);
  }
  async transitions(carePlanId: string) {
    return this.log.all(carePlanId).map(dropNulls);
  }
  async timers(carePlanId: string) {
    return this.planTimers.all(carePlanId);
  }
  async dueTimers(until: string, limit: number) {
    return this.due.all(until, limit);
  }
  async nextTimer() {
    return this.next.get();
  }
  async idempotency(key: string) {
    return this.key.get(key);
  }
  async setting(key: string) {
    return this.settingOf.get(key)?.value;
  }
}

export class SqliteWorkflowWriter extends SqliteWorkflowReader implements WorkflowWriter {
  private readonly insertInstance: Statement;
  private readonly updateInstance: Statement;
  private readonly insertTransition: Statement;
  private readonly upsertTimer: Statement;
  private readonly removeTimer: Statement<[string, string]>;
  private readonly insertKey: Statement;
  private readonly removeKeys: Statement<[string, string]>;
  private readonly upsertSetting: Statement<[string, string]>;

  constructor(db: Database) {
    super(db);
    this.insertInstance = db.prepare(`INSERT INTO workflow_instance
      (careplan_id, machine, machine_version, careplan_version, snapshot, created, updated)
      VALUES (@carePlanId, @machine, @machineVersion, @carePlanVersion, @snapshot, @created, @updated)`);
    this.updateInstance = db.prepare(`UPDATE workflow_instance SET machine = @machine, machine_version = @machineVersion,
      careplan_version = @carePlanVersion, snapshot = @snapshot, updated = @updated
      WHERE careplan_id = @carePlanId AND careplan_version = @expected`);
    this.insertTransition = db.prepare(`INSERT INTO workflow_transition
      (careplan_id, seq, event, data, from_state, to_state, at, by, provenance_id)
      SELECT @carePlanId, coalesce(max(seq), 0) + 1, @event, @data, @from, @to, @at, @by, @provenanceId
      FROM workflow_transition WHERE careplan_id = @carePlanId RETURNING seq`);
    this.upsertTimer = db.prepare(`INSERT INTO workflow_timer (careplan_id, timer_id, event, due)
      VALUES (@carePlanId, @timerId, @event, @due)
      ON CONFLICT (careplan_id, timer_id) DO UPDATE SET event = excluded.event, due = excluded.due`);
    this.removeTimer = db.prepare('DELETE FROM workflow_timer WHERE careplan_id = ? AND timer_id = ?');
    this.insertKey = db.prepare(`INSERT INTO idempotency_key (key, fingerprint, status, body, created)
      VALUES (@key, @fingerprint, @status, @body, @created)`);
    this.removeKeys = db.prepare("DELETE FROM idempotency_key WHERE key LIKE ? || '%' AND created < ?");
    this.upsertSetting = db.prepare(
      'INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  async saveInstance(row: WorkflowInstanceRow, expected?: number) {
    if (expected === undefined) {
      this.insertInstance.run(row);
      return;
    }
    if (this.updateInstance.run({ ...row, expected }).changes === 0) {
      const actual = (await this.instance(row.carePlanId))?.carePlanVersion ?? 0;
      throw new VersionConflict('CarePlan', row.carePlanId, expected, actual);
    }
  }
  async addTransition(row: Omit<WorkflowTransitionRow, 'seq'>) {
    return (this.insertTransition.get({ data: null, by: null, provenanceId: null, ...row }) as { seq: number }).seq;
  }
  async setTimer(row: WorkflowTimerRow) {
    this.upsertTimer.run(row);
  }
  async deleteTimer(carePlanId: string, timerId: string) {
    return this.removeTimer.run(carePlanId, timerId).changes > 0;
  }
  async rememberIdempotency(row: IdempotencyRow) {
    this.insertKey.run(row);
  }
  async forgetIdempotency(keyPrefix: string, createdBefore: string) {
    return this.removeKeys.run(keyPrefix, createdBefore).changes;
  }
  async setSetting(key: string, value: string) {
    this.upsertSetting.run(key, value);
  }
}
