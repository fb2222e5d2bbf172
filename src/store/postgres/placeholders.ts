// The shared SQL (store/sql/) binds parameters with `?`; PostgreSQL numbers them ($1, $2, …). Each
// distinct statement also gets a name, so PostgreSQL parses it once per connection and, after a few
// executions, keeps its plan (planning a search's join costs more than running it: ~0.5 ms against
// ~0.05 ms for a token search at 100k resources). The compiler fixes a search's shape (which condition
// drives, which are checks), so a cached generic plan follows that shape whatever the values.

export interface Statement {
  /** '' for statements beyond MAX_NAMED: those are parsed and planned each time. */
  name: string;
  text: string;
}

const statements = new Map<string, Statement>();
/**
 * Distinct statements that get a name. pg keeps a connection's prepared statements for its lifetime and
 * names are never reused for other text, so the bound is what each connection may hold at most.
 */
const MAX_NAMED = 300;
const MAX_CACHED = 2000;
let named = 0;

/** `sql` with each `?` outside quoted text and identifiers renumbered as $1, $2, … and its name (memoised). */
export function prepared(sql: string): Statement {
  const hit = statements.get(sql);
  if (hit !== undefined) return hit;
  const statement = { name: named < MAX_NAMED ? `q${++named}` : '', text: renumber(sql) };
  // Only unnamed statements are dropped from the memo: a named one must keep its one name.
  if (statements.size >= MAX_CACHED && statement.name === '') return statement;
  statements.set(sql, statement);
  return statement;
}

function renumber(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}
