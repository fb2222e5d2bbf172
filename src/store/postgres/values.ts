// PostgreSQL text cannot hold U+0000 (SQLite can): index values and bound arguments drop it, on both the
// write and the search side, so matching stays consistent.

export function noNul<T>(value: T): T {
  return typeof value === 'string' && value.includes('\u0000') ? (value.replace(/\u0000/g, '') as T) : value;
}

export function noNulArgs(args: unknown[]): unknown[] {
  return args.some((a) => typeof a === 'string' && a.includes('\u0000')) ? args.map(noNul) : args;
}
