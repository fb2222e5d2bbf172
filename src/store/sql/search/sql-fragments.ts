// SQL fragments (text + arguments) and the helpers that combine them: TRUE/FALSE, and, or, marks, renamed.

export interface Frag {
  sql: string;
  args: unknown[];
}

// Keywords, not 1 / 0: PostgreSQL wants a boolean in WHERE.
export const TRUE: Frag = { sql: 'TRUE', args: [] };
export const FALSE: Frag = { sql: 'FALSE', args: [] };

/** A comparison on one index table's columns, on other column names (the per-type frags name only columns). */
export function renamed(f: Frag, columns: Record<string, string>): Frag {
  if (f === TRUE || f === FALSE) return f;
  const re = new RegExp(`\\b(${Object.keys(columns).join('|')})\\b`, 'g');
  return { sql: f.sql.replace(re, (c) => columns[c]), args: f.args };
}

export function marks(n: number): string {
  return new Array(n).fill('?').join(', ');
}

export function and(parts: Frag[]): Frag {
  const real = parts.filter((p) => p !== TRUE);
  if (real.some((p) => p === FALSE)) return FALSE;
  if (real.length === 0) return TRUE;
  if (real.length === 1) return real[0];
  return { sql: real.map((p) => p.sql).join(' AND '), args: real.flatMap((p) => p.args) };
}

export function or(parts: Frag[]): Frag {
  const real = parts.filter((p) => p !== FALSE);
  if (real.some((p) => p === TRUE)) return TRUE;
  if (real.length === 0) return FALSE;
  if (real.length === 1) return real[0];
  return { sql: `(${real.map((p) => p.sql).join(' OR ')})`, args: real.flatMap((p) => p.args) };
}
