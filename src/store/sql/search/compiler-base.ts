// The compiler's shared state and lookups: the backend's catalogue and dialect, the clock of the compile,
// table aliases, and the pids of a parameter code (Compiler is built in layers: base, dates, conditions, driver).

import { indexCodes, typesDeriving } from '../../../search/params.js';
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

  /**
   * The pids of `code` for `types` (all types when empty). A derived parameter (search/derived-params.ts) has
   * no rows of its own: its sources' pids stand in for it.
   */
  protected pids(types: string[], code: string): number[] {
    const out: number[] = [];
    if (types.length === 0 || types.length > 4) {
      // All types, or many (system search): one query instead of a lookup per type.
      const wanted = types.length === 0 ? undefined : new Set(types);
      const deriving = typesDeriving(code);
      for (const r of this.catalog.pidsOfCode(code)) {
        // Rows a derived parameter had before it was derived are not read (they are dropped as resources change).
        if ((!wanted || wanted.has(r.type)) && !deriving.includes(r.type)) out.push(r.pid);
      }
      for (const t of deriving) if (!wanted || wanted.has(t)) this.typePids(t, code, out);
      return out;
    }
    for (const t of types) this.typePids(t, code, out);
    return out;
  }

  private typePids(type: string, code: string, out: number[]): void {
    for (const c of indexCodes(type, code)) {
      const pid = this.catalog.pid(type, c);
      if (pid !== undefined) out.push(pid);
    }
  }

  protected pidFrag(pids: number[], column = 'pid'): Frag {
    return pids.length === 1
      ? { sql: `${column} = ?`, args: [pids[0]] }
      : { sql: `${column} IN (${marks(pids.length)})`, args: [...pids] };
  }
}
