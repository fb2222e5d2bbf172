/**
 * Benchmark options from `--name=value` flags (or `--flag` for true), falling back to environment
 * variables `BENCH_NAME` (upper case, dashes → underscores), then to the defaults.
 */
export function readOptions<T extends Record<string, number | string | boolean>>(defaults: T, argv = process.argv.slice(2)): T {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/i.exec(arg);
    if (!m) throw new Error(`Unknown argument: ${arg} (use --name=value)`);
    flags.set(m[1], m[2] ?? 'true');
  }
  const out: Record<string, number | string | boolean> = {};
  for (const [key, def] of Object.entries(defaults)) {
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const env = `BENCH_${flag.toUpperCase().replace(/-/g, '_')}`;
    const raw = flags.get(flag) ?? process.env[env];
    flags.delete(flag);
    if (raw === undefined) {
      out[key] = def;
    } else if (typeof def === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a non-negative number, got "${raw}"`);
      out[key] = n;
    } else if (typeof def === 'boolean') {
      out[key] = raw === 'true' || raw === '1' || raw === 'yes';
    } else {
      out[key] = raw;
    }
  }
  if (flags.size) throw new Error(`Unknown option(s): ${[...flags.keys()].map((k) => `--${k}`).join(', ')}`);
  return out as T;
}
