import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Bundle } from '@medplum/fhirtypes';
import { DEFAULT_DEMO, generateDemo } from './generate.js';

/*
 * `npm run demo [-- URL] [--seed N] [--patients N] [--dry-run] [--credentials FILE]`: generate the demo
 * population and load it into a running server over HTTP, one transaction Bundle per 25 patients (validated and
 * indexed like any client write). The server must hold the seeded reference data (started without SEED=none):
 * patients name its GPs. With security on, the admin client's credentials (by default the server's
 * data/admin-client.json, or DATA_DIR's) get the access token; a server started with AUTH=off needs none.
 */

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: String(DEFAULT_DEMO.seed) },
    patients: { type: 'string', default: String(DEFAULT_DEMO.patients) },
    'dry-run': { type: 'boolean', default: false },
    credentials: { type: 'string', default: path.join(process.env.DATA_DIR ?? './data', 'admin-client.json') },
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

/** An admin access token from the credentials file, or no header when there is no such file (AUTH=off). */
async function authorization(): Promise<Record<string, string>> {
  if (!fs.existsSync(values.credentials)) return {};
  const creds = JSON.parse(fs.readFileSync(values.credentials, 'utf8')) as { client_id: string; client_secret: string };
  const tokenUrl = `${base.replace(/\/fhir$/, '')}/oauth2/token`;
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`no access token from ${tokenUrl} with ${values.credentials}: ${res.status} ${await res.text()}`);
  return { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
}
let auth: Record<string, string> = {};

async function post(bundle: Bundle): Promise<void> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal', ...auth },
    body: JSON.stringify(bundle),
  });
  if (res.status !== 200) throw new Error(`transaction failed with ${res.status}: ${(await res.text()).slice(0, 2000)}`);
}

async function main(): Promise<void> {
  auth = await authorization().catch((err: Error) => {
    throw new Error(`cannot get an access token: ${err.message}`);
  });
  const practice = await fetch(`${base}/Organization/gp-practice-aarhus`, { headers: { accept: 'application/fhir+json', ...auth } }).catch((err: Error) => {
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
