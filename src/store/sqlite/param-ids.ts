import type { Database } from 'better-sqlite3';
import { cached } from './search/statement-cache.js';

const SELECT_PID = 'SELECT pid FROM search_param WHERE type = ? AND code = ?';
/** Parameters remembered as never indexed; past this many the memory starts afresh. */
const MAX_ABSENT = 10_000;

/**
 * Interns (resource type, search parameter code) pairs as small integers, so index rows stay narrow.
 * Ids are created by the writer inside its transaction; a rolled-back transaction forgets its new ids.
 * One instance serves the store's writer and reader (one process owns the file), so a parameter no
 * resource was indexed with is remembered as absent; the writer's ids come first (`ids`), so one it
 * creates later, or forgets with a rollback, is seen at once. The access rule asks
 * for several such parameters on every read (no CareTeam, no ServiceRequest yet), and asking the
 * database each time was 28 % of a GP client's read.
 */
export class ParamIds {
  private readonly ids = new Map<string, number>();
  private readonly absent = new Set<string>();
  private uncommitted: string[] = [];

  /** The id of a parameter, created when missing (writer connection only). */
  idFor(db: Database, type: string, code: string): number {
    const key = `${type}\u0000${code}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const row = cached(db, SELECT_PID).get(type, code) as { pid: number } | undefined;
    const pid = row?.pid ?? Number(cached(db, 'INSERT INTO search_param (type, code) VALUES (?, ?)').run(type, code).lastInsertRowid);
    this.ids.set(key, pid);
    if (!row) this.uncommitted.push(key);
    return pid;
  }

  /** The id of a parameter if any resource was ever indexed with it (reader side). */
  lookup(db: Database, type: string, code: string): number | undefined {
    const key = `${type}\u0000${code}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    if (this.absent.has(key)) return undefined;
    const row = cached(db, SELECT_PID).get(type, code) as { pid: number } | undefined;
    if (row) this.ids.set(key, row.pid);
    else {
      if (this.absent.size >= MAX_ABSENT) this.absent.clear();
      this.absent.add(key);
    }
    return row?.pid;
  }

  /** A position to roll back to (see forgetSince). */
  mark(): number {
    return this.uncommitted.length;
  }

  /** Forget ids created after `mark` (their savepoint was rolled back). */
  forgetSince(mark: number): void {
    for (const key of this.uncommitted.splice(mark)) this.ids.delete(key);
  }

  forgetUncommitted(): void {
    for (const key of this.uncommitted) this.ids.delete(key);
    this.uncommitted = [];
  }

  commit(): void {
    this.uncommitted = [];
  }
}
