// Date and _lastUpdated conditions: prefix comparisons on [lo, hi) ranges, and date conditions as a
// driver (a range scan on lo bounded with the parameter's interval statistics, date_stats).

import { MAX_DATE, MIN_DATE } from '../../../search/normalize.js';
import type { DateRange } from '../../../search/plan.js';
import { CompilerBase } from './compiler-base.js';
import { CAP } from './selectivity.js';
import { and, FALSE, or, type Frag } from './sql-fragments.js';

const DAY = 86_400_000;

export interface DateStats {
  maxRows: number;
  /** min(0, smallest hi - lo) and max(0, largest hi - lo) over rows with both ends bounded. */
  minSpan: number;
  maxSpan: number;
  open: boolean;
}

/**
 * The range of `lo` an index row [lo, hi) can have when it satisfies `r` (a superset), given that
 * hi - lo lies within [minSpan, maxSpan] for rows with both ends bounded (rows with an open end are
 * searched separately): hi > X implies lo > X - maxSpan, hi <= X implies lo <= X - minSpan.
 */
function dateBounds(r: DateRange, st: DateStats, width: number): [number, number] {
  switch (r.prefix) {
    case 'eq':
      return [r.lo, r.hi - st.minSpan];
    case 'ne':
      return [-Infinity, Infinity];
    case 'gt':
      return [r.hi - st.maxSpan, Infinity];
    case 'lt':
      return [-Infinity, r.lo];
    case 'ge':
      return [Math.min(r.lo, r.hi - st.maxSpan), Infinity];
    case 'le':
      return [-Infinity, Math.max(r.lo, r.hi - st.minSpan)];
    case 'sa':
      return [r.hi, Infinity];
    case 'eb':
      return [-Infinity, r.lo - st.minSpan];
    case 'ap':
      // Overlap with S widened by `width` on both sides (see Compiler.dateFrag).
      return [r.lo - width - st.maxSpan, r.hi + width];
  }
}

export abstract class DateCompiler extends CompilerBase {
  /** The widest date statistics over `pids` (schema.ts, migration 3). */
  protected dateStats(pids: number[]): DateStats {
    const out: DateStats = { maxRows: 0, minSpan: 0, maxSpan: 0, open: false };
    for (const pid of pids) {
      const row = this.catalog.dateStats(pid);
      if (!row) continue;
      out.maxRows = Math.max(out.maxRows, row.maxRows);
      out.minSpan = Math.min(out.minSpan, row.minSpan);
      out.maxSpan = Math.max(out.maxSpan, row.maxSpan);
      out.open ||= row.open;
    }
    return out;
  }

  /**
   * Date conditions (each a list of ORed ranges) that hold on ONE index row, as a driver: a range
   * scan on (pid, lo) bounded by what the conditions imply for `lo` (dateBounds), plus the exact
   * comparisons on the row; rows with an open end (no such bound) are found by their own seeks.
   */
  protected dateDriver(alias: string, pids: number[], conditions: DateRange[][], stats: DateStats): { frag: Frag; probe?: Frag } {
    if (pids.length === 0 || conditions.some((any) => any.length === 0)) return { frag: FALSE };
    let lo = -Infinity;
    let hi = Infinity;
    for (const any of conditions) {
      const b = any.map((r) => dateBounds(r, stats, r.prefix === 'ap' ? this.approxWidth(r) : 0));
      lo = Math.max(lo, Math.min(...b.map((x) => x[0])));
      hi = Math.min(hi, Math.max(...b.map((x) => x[1])));
    }
    const exact = and(conditions.map((any) => or(any.map((r) => this.dateFrag(r, 'lo', 'hi')))));
    if (exact === FALSE) return { frag: FALSE };
    const pidF = this.pidFrag(pids);
    const range: Frag[] = [];
    if (lo > -Infinity) range.push({ sql: 'lo >= ?', args: [lo] });
    if (hi < Infinity) range.push({ sql: 'lo <= ?', args: [hi] });
    const main = and([pidF, ...range, exact]);
    const branches = [main];
    if (stats.open && range.length > 0) {
      branches.push(and([pidF, { sql: 'lo <= ?', args: [MIN_DATE] }, exact]));
      // A literal, not a parameter: the planner can then prove the partial index on open ends applies.
      branches.push(and([pidF, { sql: `hi >= ${MAX_DATE}`, args: [] }, exact]));
    }
    const sql = branches.map((b) => `SELECT rid FROM idx_date WHERE ${b.sql}`).join(' UNION ');
    return {
      frag: { sql: `${alias}.rid IN (${sql})`, args: branches.flatMap((b) => b.args) },
      probe: { sql: `SELECT count(*) AS n FROM (${sql} LIMIT ${CAP})`, args: branches.flatMap((b) => b.args) },
    };
  }

  /** Range comparison of an index row [lo, hi) against a search range (see the header comment of run-search.ts). */
  protected dateFrag(r: DateRange, lo: string, hi: string): Frag {
    switch (r.prefix) {
      case 'eq':
        return { sql: `(${lo} >= ? AND ${hi} <= ?)`, args: [r.lo, r.hi] };
      case 'ne':
        return { sql: `NOT (${lo} >= ? AND ${hi} <= ?)`, args: [r.lo, r.hi] };
      case 'gt':
        return { sql: `${hi} > ?`, args: [r.hi] };
      case 'lt':
        return { sql: `${lo} < ?`, args: [r.lo] };
      case 'ge':
        return { sql: `(${hi} > ? OR (${lo} >= ? AND ${hi} <= ?))`, args: [r.hi, r.lo, r.hi] };
      case 'le':
        return { sql: `(${lo} < ? OR (${lo} >= ? AND ${hi} <= ?))`, args: [r.lo, r.lo, r.hi] };
      case 'sa':
        return { sql: `${lo} >= ?`, args: [r.hi] };
      case 'eb':
        return { sql: `${hi} <= ?`, args: [r.lo] };
      case 'ap': {
        const w = this.approxWidth(r);
        return { sql: `(${lo} < ? AND ${hi} > ?)`, args: [r.hi + w, r.lo - w] };
      }
    }
  }

  private approxWidth(r: DateRange): number {
    const mid = (r.lo + r.hi) / 2;
    return Math.max(DAY, Math.round(Math.abs(this.now - mid) * 0.1));
  }

  /** `_lastUpdated`: the resource's instant t as the range [t, t + 1 ms), compared as ISO text. */
  protected lastUpdated(alias: string, r: DateRange): Frag {
    const col = `${alias}.last_updated`;
    const iso = (ms: number) => new Date(Math.min(Math.max(ms, -8.64e15), 8.64e15)).toISOString();
    switch (r.prefix) {
      case 'eq':
        return { sql: `(${col} >= ? AND ${col} < ?)`, args: [iso(r.lo), iso(r.hi)] };
      case 'ne':
        return { sql: `NOT (${col} >= ? AND ${col} < ?)`, args: [iso(r.lo), iso(r.hi)] };
      case 'gt':
      case 'sa':
        return { sql: `${col} >= ?`, args: [iso(r.hi)] };
      case 'lt':
      case 'eb':
        return { sql: `${col} < ?`, args: [iso(r.lo)] };
      case 'ge':
        return { sql: `${col} >= ?`, args: [iso(r.lo)] };
      case 'le':
        return { sql: `${col} < ?`, args: [iso(r.hi)] };
      case 'ap': {
        const w = this.approxWidth(r);
        return { sql: `(${col} >= ? AND ${col} < ?)`, args: [iso(r.lo - w), iso(r.hi + w)] };
      }
    }
  }
}
