import type { Database } from 'better-sqlite3';

/**
 * Interns (resource type, search parameter code) pairs as small integers, so index rows stay narrow.
 * Ids are created by the writer inside its transaction; a rolled-back transaction forgets its new ids.
 */
export class ParamIds {
  private readonly ids = new Map<string, number>();
  private uncommitted: string[] = [];

  /** The id of a parameter, created when missing (writer connection only). */
  idFor(db: Database, type: string, code: string): number {
    const key = `${type}\u0000${code}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const row = db.prepare('SELECT pid FROM search_param WHERE type = ? AND code = ?').get(type, code) as
      | { pid: number }
      | undefined;
    const pid = row?.pid ?? Number(db.prepare('INSERT INTO search_param (type, code) VALUES (?, ?)').run(type, code).lastInsertRowid);
    this.ids.set(key, pid);
    if (!row) this.uncommitted.push(key);
    return pid;
  }

  /** The id of a parameter if any resource was ever indexed with it (reader side). */
  lookup(db: Database, type: string, code: string): number | undefined {
    const key = `${type}\u0000${code}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const row = db.prepare('SELECT pid FROM search_param WHERE type = ? AND code = ?').get(type, code) as
      | { pid: number }
      | undefined;
    if (row) this.ids.set(key, row.pid);
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
