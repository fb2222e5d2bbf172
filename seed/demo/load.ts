import { parseArgs } from 'node:util';
import type { Bundle } from '@medplum/fhirtypes';
import { DEFAULT_DEMO, generateDemo } from './generate.js';

/*
 * `npm run demo [-- URL] [--seed N] [--patients N] [--dry-run]`: generate the demo population and load it into
 * a running server over HTTP, one transaction Bundle per 25 patients (validated and indexed like any client
 * write). The server must hold the seeded reference data (started without SEED=none): patients name its GPs.
 */

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: String(DEFAULT_DEMO.seed) },
    patients: { type: 'string', default: String(DEFAULT_DEMO.patients) },
    'dry-run': { type: 'boolean', default: false },
  },
});

const base = (positionals[0] ?? 'http://127.0.0.1:8080/fhir').replace(/\/+$/, '');
const seed = Number(values.seed);
const patients = Number(values.patients);
if (!Number.isInteger(seed) || !Number.isInteger(patients) || patients < 1) {
  console.error('Usage: npm run demo -- [FHIR base URL] [--seed N] [--patients N] [--dry-run]');
  process.exit(2);
}

const started = Date.now();
const demo = generateDemo({ seed, patients });
console.log(`demo population: ${patients} patients, ${demo.resources} resources in ${demo.bundles.length} transactions, seed ${seed}, sha256 ${demo.hash}`);
if (values['dry-run']) process.exit(0);

async function post(bundle: Bundle): Promise<void> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal' },
    body: JSON.stringify(bundle),
  });
  if (res.status !== 200) throw new Error(`transaction failed with ${res.status}: ${(await res.text()).slice(0, 2000)}`);
}

async function main(): Promise<void> {
  const practice = await fetch(`${base}/Organization/gp-practice-aarhus`, { headers: { accept: 'application/fhir+json' } }).catch((err: Error) => {
    throw new Error(`cannot reach ${base}: ${err.message}`);
  });
  if (practice.status !== 200) throw new Error(`${base} has no seeded reference data (Organization/gp-practice-aarhus): start the server without SEED=none`);
  // Two transactions in flight: the server group-commits them, and the order of the files stays the same.
  const queue = [...demo.bundles];
  await Promise.all(
    [0, 1].map(async () => {
      for (let b = queue.shift(); b; b = queue.shift()) await post(b);
    }),
  );
  console.log(`loaded into ${base} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
