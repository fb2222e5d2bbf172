// The search compiler: a resource filter with one driving condition chosen by estimated selectivity
// (or a walk in page order), and the sort keys of the order.

import type { Condition, IndexTable, SortKey } from '../../../search/plan.js';
import { ConditionCompiler } from './conditions.js';
import { CAP, drives, TYPE_COUNT_TTL, type Candidate, type FilterMode } from './selectivity.js';
import { sortColumn, type KeyExpr } from './sort-keys.js';
import { and, marks, TRUE, type Frag } from './sql-fragments.js';

export class Compiler extends ConditionCompiler {
  /**
   * `alias` is a row of `resources`: not deleted, of `types`, matching all `conditions`.
   *
   * `all` / `page`: one condition, the most selective by estimate (see `estimate`), drives as
   * `alias.rid IN (SELECT rid FROM idx_x WHERE pid = ? AND ...)` (SQLite materialises the list
   * once, in rid order); every other condition is a per-row check (`EXISTS (SELECT 1 FROM idx_x x
   * WHERE x.rid = alias.rid AND +x.pid = ? AND ...)`, over the (rid, pid, value...) index), so the
   * work follows the smallest list, not the largest. Date conditions on one single-valued parameter
   * drive together as one bounded range scan on `lo` (see dateDriver). A positive `_id` drives
   * through the (type, id) index. `page` may instead walk the type's index in the page order and
   * check each row, when one broad condition makes that stop early (see walks). `row`: the row is
   * already fixed (a probe of one rid, the inside of a chain or `_has` check): every condition is a
   * per-row check.
   */
  override resourceFilter(alias: string, types: string[], conditions: Condition[], mode: FilterMode = { kind: 'all' }): Frag {
    const parts: Frag[] = [{ sql: `${alias}.deleted = 0`, args: [] }];
    const typeFilter = (col: string): Frag =>
      types.length === 1
        ? { sql: `${col} = ?`, args: [types[0]] }
        : types.length > 1
          ? { sql: `${col} IN (${marks(types.length)})`, args: [...types] }
          : TRUE;
    let driver: Candidate | undefined;
    if (mode.kind !== 'row' && !conditions.some((c) => c.kind === 'id' && !c.not)) {
      const candidates = this.candidates(types, conditions);
      if (candidates.length > 0) {
        const est = (c: Candidate) => (c.est ??= c.estimate());
        driver = candidates.length === 1 ? candidates[0] : candidates.reduce((best, c) => (est(c) < est(best) ? c : best));
        if (mode.kind === 'page' && candidates.length === 1 && this.walks(types, est(driver), mode.rows)) driver = undefined;
      }
    }
    // With a driving index condition, SQLite must not scan the type index instead (dialect.noIndex).
    // With `_id` (the (type, id) index) or no driver, the type index is best.
    parts.push(typeFilter(driver || mode.kind === 'row' ? this.dialect.noIndex(`${alias}.type`) : `${alias}.type`));
    if (driver) parts.push(driver.frag(alias));
    for (const c of conditions) {
      if (driver?.conditions.includes(c)) continue;
      parts.push(c.kind === 'id' && !c.not ? this.condition(alias, types, c) : this.check(alias, types, c));
    }
    return and(parts);
  }

  /**
   * Whether walking the type in the page order and checking each row beats listing the matches of
   * the only (broad) condition: with `est` of `n` rows matching, a page of `rows` needs about
   * rows * n / est rows checked, against est rows listed.
   */
  private walks(types: string[], est: number, rows: number): boolean {
    if (types.length !== 1 || est < 64) return false;
    const n = this.typeCount(types[0]);
    // A backend without probes (PostgreSQL) plans the walk itself.
    return n !== undefined && est * est > 2 * rows * n;
  }

  /** Live resources of `type` (cached for a while: an estimate); undefined when the backend does not probe. */
  private typeCount(type: string): number | undefined {
    return this.catalog.probe('SELECT count(*) AS n FROM resources WHERE type = ? AND deleted = 0', [type], TYPE_COUNT_TTL);
  }

  /** The conditions that can drive a search (positive index conditions), with their estimates. */
  private candidates(types: string[], conditions: Condition[]): Candidate[] {
    const out: Candidate[] = [];
    type DateCondition = Extract<Condition, { kind: 'date' }>;
    const dates = new Map<string, DateCondition[]>();
    for (const c of conditions) {
      if (!drives(c)) continue;
      if (c.kind === 'date') {
        const group = dates.get(c.code);
        if (group) group.push(c);
        else dates.set(c.code, [c]);
        continue;
      }
      out.push({ conditions: [c], frag: (alias) => this.condition(alias, types, c), estimate: () => this.estimate(types, c) });
    }
    for (const group of dates.values()) {
      const pids = this.pids(types, group[0].code);
      const stats = this.dateStats(pids);
      // A single-valued parameter: all its conditions hold on the one row, so they drive together.
      const together = stats.maxRows <= 1 ? [group] : group.map((c) => [c]);
      for (const cs of together) {
        const ranges = cs.map((c) => c.any);
        out.push({
          conditions: cs,
          frag: (alias) => this.dateDriver(alias, pids, ranges, stats).frag,
          estimate: () => {
            const d = this.dateDriver('r', pids, ranges, stats);
            return d.probe ? (this.catalog.probe(d.probe.sql, d.probe.args) ?? CAP) : CAP;
          },
        });
      }
    }
    return out;
  }

  /**
   * Estimated number of resources matching `c` (at most CAP): a count of its index rows bounded by
   * CAP (cached briefly), for conditions whose index rows are a seek; a guess for the others.
   */
  private estimate(types: string[], c: Condition): number {
    switch (c.kind) {
      case 'token':
      case 'reference':
      case 'uri':
      case 'number':
      case 'quantity':
      case 'string': {
        const code = c.code;
        const table: IndexTable = c.kind;
        if (c.kind === 'string' && c.any.some((m) => m.mode === 'contains')) return CAP;
        if ((c.kind === 'number' || c.kind === 'quantity') && c.any.some((m) => m.prefix === 'ne')) return CAP;
        const q = this.indexList(types, code, table, this.alternatives(c));
        return q ? (this.catalog.probe(`SELECT count(*) AS n FROM (${q.sql} LIMIT ${CAP}) AS capped`, q.args) ?? CAP) : 0;
      }
      case 'composite':
        return CAP / 2;
      case 'chain':
        return Math.min(CAP, 4 * this.bestEstimate(c.targetTypes, c.where));
      case 'has':
        return this.bestEstimate([c.sourceType], c.where);
      case 'anyOf':
        return Math.min(CAP, c.alternatives.reduce((n, a) => n + this.estimate(types, a), 0));
      case 'date':
        return CAP; // estimated as a group (candidates)
      default:
        return CAP;
    }
  }

  private bestEstimate(types: string[], conditions: Condition[]): number {
    if (conditions.some((c) => c.kind === 'id' && !c.not)) return 1;
    const cs = this.candidates(types, conditions);
    return cs.length === 0 ? CAP : Math.min(...cs.map((c) => c.estimate()));
  }

  /** The sort keys of the order (the rid follows them as the last tie-breaker). */
  sortKeys(alias: string, types: string[], keys: SortKey[]): KeyExpr[] {
    const out: KeyExpr[] = [];
    for (const k of keys) {
      const descending = k.descending;
      // _id and _lastUpdated are never null.
      if (k.code === '_id') {
        out.push({ sql: `${alias}.id`, args: [], descending, nullable: false, numeric: false, mutable: false });
        continue;
      }
      if (k.code === '_lastUpdated') {
        out.push({ sql: `${alias}.last_updated`, args: [], descending, nullable: false, numeric: false, mutable: true });
        continue;
      }
      if (!k.table) continue;
      const numeric = k.table === 'date' || k.table === 'number' || k.table === 'quantity';
      const pids = this.pids(types, k.code);
      if (pids.length === 0) {
        // No resource has a value (yet): every row has NULL.
        out.push({ sql: 'NULL', args: [], descending, nullable: true, numeric, mutable: true });
        continue;
      }
      const col = sortColumn(k.table, descending);
      // `+pid`: look the resource's rows up by the (rid, pid, value) index (index-only), never by
      // the (pid, value) index, whose min/max shortcut would scan all rows of the parameter.
      const pidF = this.pidFrag(pids, this.dialect.noIndex('pid'));
      const sql = `(SELECT ${descending ? 'max' : 'min'}(${col}) FROM idx_${k.table} WHERE rid = ${alias}.rid AND ${pidF.sql})`;
      out.push({ sql, args: pidF.args, descending, nullable: true, numeric, mutable: true, correlated: true });
    }
    return out;
  }
}
