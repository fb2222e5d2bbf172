// The shared SQL (store/sql/) binds parameters with `?`; PostgreSQL numbers them ($1, $2, …).

const converted = new Map<string, string>();
const MAX_CACHED = 2000;

/** `sql` with each `?` outside quoted text and identifiers renumbered as $1, $2, … (memoised). */
export function numbered(sql: string): string {
  const hit = converted.get(sql);
  if (hit !== undefined) return hit;
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
  if (converted.size >= MAX_CACHED) converted.delete(converted.keys().next().value as string);
  converted.set(sql, out);
  return out;
}
