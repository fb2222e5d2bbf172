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

/** Options both modes of `npm run bench` take (see bench/run.ts for what each means). */
export const COMMON_OPTIONS = {
  mode: 'main',
  patients: 1000,
  duration: 10,
  warmup: 2,
  rounds: 2,
  connections: 16,
  only: '',
  seed: 20250101,
  bundleEntries: 300,
  loadConcurrency: 2,
  keep: false,
  outDir: 'bench/results',
  writeDoc: false,
  doc: 'docs/BENCHMARKS.md',
};

/** The names `--only=a,b` selects (undefined: all); an unknown name is an error, not an empty run. */
export function onlyNames(only: string, known: string[]): Set<string> | undefined {
  if (!only) return undefined;
  const names = only.split(',').map((x) => x.trim()).filter(Boolean);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`--only: unknown workload(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return new Set(names);
}
