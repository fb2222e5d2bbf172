// Compiling each search condition to SQL: as a driving `rid IN (...)` list (condition) or a per-row
// check (check), including chains, _has and composites.

import type { CompositeMatch, Condition, IndexTable } from '../../../search/plan.js';
import { DateCompiler } from './date-conditions.js';
import type { FilterMode } from './selectivity.js';
import { and, FALSE, marks, or, renamed, TRUE, type Frag } from './sql-fragments.js';
import { numberFrag, quantityFrag, referenceFrag, stringFrag, tokenFrag, uriFrag } from './value-matches.js';

export abstract class ConditionCompiler extends DateCompiler {
  /** See Compiler.resourceFilter. */
  abstract resourceFilter(alias: string, types: string[], conditions: Condition[], mode?: FilterMode): Frag;

  protected alternatives(c: Condition): Frag[] | undefined {
    switch (c.kind) {
      case 'token':
        return c.any.map(tokenFrag);
      case 'string':
        return c.any.map(stringFrag);
      case 'number':
        return c.any.map((m) => numberFrag(m));
      case 'quantity':
        return c.any.map(quantityFrag);
      case 'reference':
        return c.any.map(referenceFrag);
      case 'uri':
        return c.any.map(uriFrag);
      case 'composite':
        return c.any.map((m) => this.compositeFrag(m));
      case 'date':
        return c.any.map((r) => this.dateFrag(r, 'lo', 'hi'));
      default:
        return undefined;
    }
  }

  /** `SELECT rid FROM idx_<table> WHERE pid ... AND (alt1 OR ...)`; undefined when nothing can match. */
  protected indexList(types: string[], code: string, table: IndexTable, alts: Frag[] | undefined): Frag | undefined {
    const pids = this.pids(types, code);
    if (pids.length === 0) return undefined;
    if (alts !== undefined && alts.length === 0) return undefined;
    const pidF = this.pidFrag(pids);
    const match = alts === undefined ? pidF : and([pidF, or(alts)]);
    if (match === FALSE) return undefined;
    return { sql: `SELECT rid FROM idx_${table} WHERE ${match.sql}`, args: match.args };
  }

  /** A condition checked on the row `alias` itself (see resourceFilter). */
  check(alias: string, types: string[], c: Condition): Frag {
    switch (c.kind) {
      case 'id':
      case 'lastUpdated':
        return this.condition(alias, types, c);
      case 'token':
      case 'string':
      case 'date':
      case 'number':
      case 'quantity':
      case 'reference':
      case 'uri':
      case 'composite':
        return this.indexExists(alias, types, c.code, c.kind, this.alternatives(c), c.kind === 'token' && !!c.not);
      case 'missing':
        return this.indexExists(alias, types, c.code, c.table, undefined, c.missing);
      case 'chain': {
        const pids = this.pids(types, c.code);
        if (pids.length === 0) return FALSE;
        const t = this.alias();
        const x = this.alias();
        const target = this.resourceFilter(t, c.targetTypes, c.where, { kind: 'row' });
        const pidF = this.pidFrag(pids, this.dialect.noIndex(`${x}.pid`));
        return {
          sql:
            `EXISTS (SELECT 1 FROM idx_reference ${x} CROSS JOIN resources ${t} WHERE ${x}.rid = ${alias}.rid AND ${pidF.sql} ` +
            `AND ${t}.type = ${x}.target_type AND ${t}.id = ${x}.target_id AND ${target.sql}${this.dialect.perRow})`,
          args: [...pidF.args, ...target.args],
        };
      }
      case 'has': {
        const pids = this.pids([c.sourceType], c.code);
        if (pids.length === 0) return FALSE;
        const s = this.alias();
        const x = this.alias();
        const source = this.resourceFilter(s, [c.sourceType], c.where, { kind: 'row' });
        const pidF = this.pidFrag(pids, `${x}.pid`);
        return {
          sql:
            `EXISTS (SELECT 1 FROM idx_reference ${x} CROSS JOIN resources ${s} WHERE ${pidF.sql} AND ${x}.target_id = ${alias}.id ` +
            `AND ${x}.target_type = ${alias}.type AND ${s}.rid = ${x}.rid AND ${source.sql}${this.dialect.perRow})`,
          args: [...pidF.args, ...source.args],
        };
      }
      case 'anyOf':
        return c.alternatives.length === 0 ? FALSE : or(c.alternatives.map((a) => this.check(alias, types, a)));
      default: {
        const never: never = c;
        throw new Error(`Unknown search condition ${(never as { kind: string }).kind}`);
      }
    }
  }

  /**
   * `[NOT] EXISTS (SELECT 1 FROM idx_<table> x INDEXED BY idx_<table>_rid WHERE x.rid = alias.rid AND x.pid ...
   * AND (alts))`: a seek on the (rid, pid, ...) index to the row's few values of the parameter (a token's
   * value too). Left to itself SQLite may pick the (pid, value) index and scan every row of the
   * parameter; a unary `+pid` avoided that but then read all the row's values (token EXISTS per
   * candidate: 163 -> 154 µs per reference + token page).
   * `alts` undefined: any row of the parameter.
   */
  private indexExists(alias: string, types: string[], code: string, table: IndexTable, alts: Frag[] | undefined, negate: boolean): Frag {
    const pids = this.pids(types, code);
    if (pids.length === 0) return negate ? TRUE : FALSE;
    if (alts !== undefined && alts.length === 0) return negate ? TRUE : FALSE;
    const x = this.alias();
    const pidF = this.pidFrag(pids, `${x}.pid`);
    const match = alts === undefined ? pidF : and([pidF, or(alts)]);
    if (match === FALSE) return negate ? TRUE : FALSE;
    return {
      sql: `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM idx_${table} ${x}${this.dialect.indexedBy(`idx_${table}_rid`)} WHERE ${x}.rid = ${alias}.rid AND ${match.sql}${this.dialect.perRow})`,
      args: match.args,
    };
  }

  /**
   * `alias.rid [NOT] IN (SELECT rid FROM idx_<table> WHERE pid ... AND (alt1 OR alt2 ...))`.
   * `alts` undefined: any row of the parameter.
   */
  private indexIn(alias: string, types: string[], code: string, table: IndexTable, alts: Frag[] | undefined, negate: boolean): Frag {
    const pids = this.pids(types, code);
    if (pids.length === 0) return negate ? TRUE : FALSE;
    if (alts !== undefined && alts.length === 0) return negate ? TRUE : FALSE;
    const pidF = this.pidFrag(pids);
    const match = alts === undefined ? pidF : and([pidF, or(alts)]);
    return {
      sql: `${alias}.rid ${negate ? 'NOT IN' : 'IN'} (SELECT rid FROM idx_${table} WHERE ${match.sql})`,
      args: match.args,
    };
  }

  condition(alias: string, types: string[], c: Condition): Frag {
    switch (c.kind) {
      case 'id':
        if (c.ids.length === 0) return c.not ? TRUE : FALSE;
        return { sql: `${alias}.id ${c.not ? 'NOT IN' : 'IN'} (${marks(c.ids.length)})`, args: [...c.ids] };
      case 'lastUpdated':
        return and(c.ranges.map((r) => this.lastUpdated(alias, r)));
      case 'token':
        return this.indexIn(alias, types, c.code, 'token', c.any.map(tokenFrag), !!c.not);
      case 'string':
        return this.indexIn(alias, types, c.code, 'string', c.any.map(stringFrag), false);
      case 'date': {
        const pids = this.pids(types, c.code);
        return this.dateDriver(alias, pids, [c.any], this.dateStats(pids)).frag;
      }
      case 'number':
        return this.indexIn(alias, types, c.code, 'number', c.any.map((m) => numberFrag(m)), false);
      case 'quantity':
        return this.indexIn(alias, types, c.code, 'quantity', c.any.map(quantityFrag), false);
      case 'reference':
        return this.indexIn(alias, types, c.code, 'reference', c.any.map(referenceFrag), false);
      case 'uri':
        return this.indexIn(alias, types, c.code, 'uri', c.any.map(uriFrag), false);
      case 'missing':
        return this.indexIn(alias, types, c.code, c.table, undefined, c.missing);
      case 'composite':
        return this.indexIn(alias, types, c.code, 'composite', c.any.map((m) => this.compositeFrag(m)), false);
      case 'chain':
        return this.chain(alias, types, c.code, c.targetTypes, c.where);
      case 'has':
        return this.has(alias, c.sourceType, c.code, c.where);
      case 'anyOf':
        return c.alternatives.length === 0 ? FALSE : or(c.alternatives.map((a) => this.condition(alias, types, a)));
      default: {
        const never: never = c;
        throw new Error(`Unknown search condition ${(never as { kind: string }).kind}`);
      }
    }
  }

  /**
   * The reference `code` of `alias` points to a (current, non-deleted) resource of targetTypes matching
   * `where`. CROSS JOIN fixes the loop order: matching targets first, then their referrers through the
   * (pid, target_id, target_type) index.
   */
  private chain(alias: string, types: string[], code: string, targetTypes: string[], where: Condition[]): Frag {
    const pids = this.pids(types, code);
    if (pids.length === 0) return FALSE;
    const t = this.alias();
    const x = this.alias();
    const target = this.resourceFilter(t, targetTypes, where);
    const pidF = this.pidFrag(pids, `${x}.pid`);
    return {
      sql:
        `${alias}.rid IN (SELECT ${x}.rid FROM resources ${t} CROSS JOIN idx_reference ${x} ` +
        `WHERE ${target.sql} AND ${pidF.sql} AND ${x}.target_id = ${t}.id AND ${x}.target_type = ${t}.type)`,
      args: [...target.args, ...pidF.args],
    };
  }

  /**
   * Some `sourceType` resource matching `where` has reference `code` pointing to `alias`. Loop order:
   * matching sources, their reference rows (rid index), the referenced resources ((type, id) index).
   */
  private has(alias: string, sourceType: string, code: string, where: Condition[]): Frag {
    const pids = this.pids([sourceType], code);
    if (pids.length === 0) return FALSE;
    const s = this.alias();
    const x = this.alias();
    const t = this.alias();
    const source = this.resourceFilter(s, [sourceType], where);
    const pidF = this.pidFrag(pids, this.dialect.noIndex(`${x}.pid`));
    return {
      sql:
        `${alias}.rid IN (SELECT ${t}.rid FROM resources ${s} CROSS JOIN idx_reference ${x} CROSS JOIN resources ${t} ` +
        `WHERE ${source.sql} AND ${x}.rid = ${s}.rid AND ${pidF.sql} ` +
        `AND ${t}.type = ${x}.target_type AND ${t}.id = ${x}.target_id)`,
      args: [...source.args, ...pidF.args],
    };
  }

  /**
   * All parts of a composite value on one idx_composite row (one element): component k's match on
   * the generic columns sk, vk, nk, lok, hik (see schema.ts), by renaming the columns of the
   * per-type comparisons.
   */
  private compositeFrag(m: CompositeMatch): Frag {
    return and(
      m.parts.map((p, i) => {
        const k = i + 1;
        switch (p.type) {
          case 'token':
            return renamed(tokenFrag(p.match), { value: `v${k}`, system: `s${k}` });
          case 'string':
            return renamed(stringFrag(p.match), { norm: `v${k}` });
          case 'date':
            return this.dateFrag(p.match, `lo${k}`, `hi${k}`);
          case 'number':
            return renamed(numberFrag(p.match), { value: `n${k}` });
          case 'quantity':
            return renamed(quantityFrag(p.match), { value: `n${k}`, system: `s${k}`, unit: `v${k}` });
          case 'reference':
            return renamed(referenceFrag(p.match), { target_id: `v${k}`, target_type: `s${k}`, url: `v${k}` });
          case 'uri':
            return renamed(uriFrag(p.match), { value: `v${k}` });
        }
      }),
    );
  }
}
