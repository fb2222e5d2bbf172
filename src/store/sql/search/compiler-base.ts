// The compiler's shared state and lookups: the backend's catalogue and dialect, the clock of the compile,
// table aliases, and the pids of a parameter code (Compiler is built in layers: base, dates, conditions, driver).

import type { SearchCatalog, SqlDialect } from './backend.js';
import { marks, type Frag } from './sql-fragments.js';

export abstract class CompilerBase {
  private aliasCounter = 0;
  protected readonly now = Date.now();

  constructor(
    protected readonly catalog: SearchCatalog,
    protected readonly dialect: SqlDialect,
  ) {}

  protected alias(): string {
    return `t${++this.aliasCounter}`;
  }

  /** The pids of `code` for `types` (all types when empty). */
  protected pids(types: string[], code: string): number[] {
    if (types.length === 0 || types.length > 4) {
      // All types, or many (system search): one query instead of a lookup per type.
      const rows = this.catalog.pidsOfCode(code);
      if (types.length === 0) return rows.map((r) => r.pid);
      const wanted = new Set(types);
      return rows.filter((r) => wanted.has(r.type)).map((r) => r.pid);
    }
    const out: number[] = [];
    for (const t of types) {
      const pid = this.catalog.pid(t, code);
      if (pid !== undefined) out.push(pid);
    }
    return out;
  }

  protected pidFrag(pids: number[], column = 'pid'): Frag {
    return pids.length === 1
      ? { sql: `${column} = ?`, args: [pids[0]] }
      : { sql: `${column} IN (${marks(pids.length)})`, args: [...pids] };
  }
}
