/**
 * The benchmark (issue 4): `npm run bench [-- --name=value …]`. Method and figures: docs/BENCHMARKS.md.
 *
 * --mode=main (default): build, start dist/src/main.js on a fresh store (start-up time, empty), load
 * the data set (bench/data.ts) through transaction Bundles (resources/s), restart (start-up time with
 * data), start the floors (bare node:http and bare Express, each in its own process, answering with
 * the bytes of a real Patient read), then run every workload with autocannon, targets alternating
 * A B A B: read, searches, create, update, transactions, $apply, $event. Prints a table with the
 * issue's goals, writes bench/results/bench-<date>-<patients>p.json and .md.
 *
 * --mode=scaling: the search workloads on `patients` and on `patients × scale` patients, alternating,
 * and the latency growth factor (goal: at most 2×). Writes bench/results/scaling-<date>-<patients>p.*.
 *
 * BENCH_SERVER_NODE_ARGS (environment only): node flags for the servers under test, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them under a workload.
 *
 * Options (flag or environment variable BENCH_<NAME>):
 *   --patients=1000          patients in the data set (~103 resources each); scaling: the base set
 *   --duration=10            seconds measured per workload and target, split over the rounds
 *   --warmup=2               seconds of warm-up per workload, target and round (0: none)
 *   --rounds=2               rounds of A B A B alternation between targets
 *   --connections=16
 *   --only=read,token        only these workloads (names as in the table)
 *   --seed=20250101
 *   --bundle-entries=300     entries per transaction Bundle while loading
 *   --load-concurrency=2     Bundles in flight while loading
 *   --keep                   keep the temporary stores (paths in the JSON, "dataDir")
 *   --out-dir=bench/results  where the JSON and Markdown go ("" to skip)
 *   --write-doc              also replace the results section of --doc (docs/BENCHMARKS.md)
 *  main mode:
 *   --baseline=DIR           also run every workload on DIR/dist/src/main.js (another checkout, built),
 *                            on its own fresh store with the same data, alternating with this build
 *   --floors=node:http,express,express-default,express-send   which floors to start ("" for none)
 *   --security-on=1          reads and searches also on a twin of the server with security on (0: not)
 *   --tx500-entries=500      entries of the big transaction
 *   --tx500-connections=4    connections for it (16 × 500-entry Bundles only queue up)
 *   --update-pool=4          resources per connection the update workload cycles through
 *  scaling mode:
 *   --scale=10               the large set has patients × scale patients (≤ 1: only the base set)
 *   --total=none             append _total=<value> to every query
 *   --reuse=DIR[,DIR]        search stores kept by an earlier --keep run (base, large) instead of loading
 */
import { cleanupAll } from './lib/cleanup.js';
import { log } from './lib/log.js';
import { runMainMode } from './modes/main.js';
import { runScalingMode } from './modes/scaling.js';

const argv = process.argv.slice(2);
const mode = /^--mode=(.*)$/.exec(argv.find((a) => a.startsWith('--mode=')) ?? '')?.[1] ?? process.env.BENCH_MODE ?? 'main';
const modes: Record<string, (argv: string[]) => Promise<void>> = { main: runMainMode, scaling: runScalingMode };

process.once('SIGINT', () => {
  log('interrupted: stopping servers and floors');
  void cleanupAll().finally(() => process.exit(130));
});

async function run(): Promise<void> {
  const start = modes[mode];
  if (!start) throw new Error(`--mode must be one of ${Object.keys(modes).join(', ')}, got "${mode}"`);
  try {
    await start(argv);
  } finally {
    await cleanupAll();
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
