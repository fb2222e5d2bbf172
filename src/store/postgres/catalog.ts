import type { Query } from './query.js';
import type { DateStatsRow, SearchCatalog } from '../sql/search/backend.js';

/*
 * This node's copy of search_param and date_stats, which the search compiler consults synchronously
 * (store/sql/search/backend.ts). Other nodes add parameters and widen statistics too, so every search
 * reads catalog_state.version in its own snapshot first and compiles against a copy at least that
 * new (a newer copy is harmless: parameter ids are never removed and statistics only widen). No
 * selectivity probes: PostgreSQL's planner chooses the join order itself.
 */

/** An immutable copy of both tables at one catalog version. */
export class CatalogSnapshot implements SearchCatalog {
  constructor(
    readonly version: number,
    private readonly pids: Map<string, number>,
    private readonly byCode: Map<string, { pid: number; type: string }[]>,
    private readonly stats: Map<number, DateStatsRow>,
  ) {}

  static async load(query: Query, version: number): Promise<CatalogSnapshot> {
    const params = await query<{ pid: number; type: string; code: string }>('c_params', 'SELECT pid, type, code FROM search_param', []);
    const stats = await query<{ pid: number; max_rows: number; min_span: number; max_span: number; open: number }>(
      'c_date_stats',
      'SELECT pid, max_rows, min_span, max_span, open FROM date_stats',
      [],
    );
    const pids = new Map<string, number>();
    const byCode = new Map<string, { pid: number; type: string }[]>();
    for (const r of params.rows) {
      pids.set(catalogKey(r.type, r.code), r.pid);
      const list = byCode.get(r.code);
      if (list) list.push({ pid: r.pid, type: r.type });
      else byCode.set(r.code, [{ pid: r.pid, type: r.type }]);
    }
    const dateStats = new Map<number, DateStatsRow>();
    for (const r of stats.rows) {
      dateStats.set(r.pid, { maxRows: r.max_rows, minSpan: r.min_span, maxSpan: r.max_span, open: r.open !== 0 });
    }
    return new CatalogSnapshot(version, pids, byCode, dateStats);
  }

  pid(type: string, code: string): number | undefined {
    return this.pids.get(catalogKey(type, code));
  }

  pidsOfCode(code: string): { pid: number; type: string }[] {
    return this.byCode.get(code) ?? [];
  }

  dateStats(pid: number): DateStatsRow | undefined {
    return this.stats.get(pid);
  }

  probe(): number | undefined {
    return undefined;
  }
}

export class PgCatalog {
  private current: CatalogSnapshot = new CatalogSnapshot(-1, new Map(), new Map(), new Map());

  /** The newest copy known, for lookups that tolerate staleness (a writer's "is this pid known?"). */
  get latest(): CatalogSnapshot {
    return this.current;
  }

  /** A copy at least as new as the catalogue version `query`'s snapshot shows. */
  async at(query: Query): Promise<CatalogSnapshot> {
    return this.loadIn(query, await this.versionIn(query));
  }

  /** The catalogue version in `query`'s snapshot. */
  async versionIn(query: Query): Promise<number> {
    const { rows } = await query<{ version: number }>('c_version', 'SELECT version FROM catalog_state WHERE id = 1', []);
    return rows[0].version;
  }

  /** A copy at least at `version`, read through `query` (whose snapshot shows that version) if need be. */
  async loadIn(query: Query, version: number): Promise<CatalogSnapshot> {
    if (this.current.version >= version) return this.current;
    const loaded = await CatalogSnapshot.load(query, version);
    if (loaded.version > this.current.version) this.current = loaded;
    return loaded;
  }
}

export function catalogKey(type: string, code: string): string {
  return `${type}\u0000${code}`;
}
