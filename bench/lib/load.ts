import { CPR_SYSTEM, generatePatient, organizationBundle, patientBundles, type GenOptions, type PatientKey } from '../data.js';

/** A generated patient as stored: its key plus the id the server assigned. */
export interface LoadedPatient extends PatientKey {
  id: string;
}

export interface LoadResult {
  patients: LoadedPatient[];
  resources: number;
  bundles: number;
  seconds: number;
  resourcesPerSecond: number;
  /** Per-Bundle round trip, ms. */
  bundleP50Ms: number;
  bundleMaxMs: number;
}

const FHIR_JSON = 'application/fhir+json';

async function postTransaction(base: string, bundle: unknown): Promise<{ ms: number; body: { entry?: { response?: { status?: string; location?: string } }[] } }> {
  const body = JSON.stringify(bundle);
  const t0 = performance.now();
  const res = await fetch(base, { method: 'POST', headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON }, body });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`transaction failed: HTTP ${res.status}: ${text.slice(0, 2000)}`);
  return { ms, body: JSON.parse(text) };
}

/**
 * Load the organizations, then the patients' transaction Bundles, `concurrency` Bundles in flight
 * (the generator prepares the next Bundle while the server works on the current one).
 */
export async function loadDataSet(
  base: string,
  opts: GenOptions,
  concurrency: number,
  progress?: (done: number, total: number) => void,
): Promise<LoadResult> {
  const t0 = performance.now();
  const orgs = organizationBundle(opts);
  await postTransaction(base, orgs);
  let resources = (orgs.entry as unknown[]).length;
  let bundles = 1;
  const patients: LoadedPatient[] = new Array(opts.patients);
  const times: number[] = [];
  const iterator = patientBundles(opts);
  let patientsDone = 0;

  const worker = async (): Promise<void> => {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const next = iterator.next();
      if (next.done) return;
      const gb = next.value;
      const { ms, body } = await postTransaction(base, gb.bundle);
      times.push(ms);
      const entries = body.entry ?? [];
      if (entries.length !== gb.resources) throw new Error(`transaction-response has ${entries.length} entries, expected ${gb.resources}`);
      for (const e of entries) {
        if (!e.response?.status?.startsWith('201')) throw new Error(`entry not created: ${JSON.stringify(e).slice(0, 500)}`);
      }
      for (const p of gb.patients) {
        const loc = entries[p.entryIndex]?.response?.location ?? '';
        const m = /^(?:.*\/)?Patient\/([^/]+)/.exec(loc);
        if (!m) throw new Error(`no Patient location in transaction-response entry ${p.entryIndex}: "${loc}"`);
        patients[p.key.index] = { ...p.key, id: m[1] };
      }
      resources += gb.resources;
      bundles++;
      patientsDone += gb.patients.length;
      progress?.(patientsDone, opts.patients);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker()));

  const seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return {
    patients,
    resources,
    bundles,
    seconds: round(seconds, 2),
    resourcesPerSecond: Math.round(resources / seconds),
    bundleP50Ms: Math.round(times[Math.floor(times.length / 2)] ?? 0),
    bundleMaxMs: Math.round(times[times.length - 1] ?? 0),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * The patients of a store loaded earlier with the same options: regenerate their keys and find each
 * one's server id by CPR (one token search per patient).
 */
export async function findLoadedPatients(base: string, opts: GenOptions): Promise<LoadedPatient[]> {
  const out: LoadedPatient[] = [];
  for (let i = 0; i < opts.patients; i++) {
    const key = generatePatient(opts, i).key;
    const res = await fetch(`${base}/Patient?identifier=${encodeURIComponent(`${CPR_SYSTEM}|${key.cpr}`)}&_total=none`, {
      headers: { accept: FHIR_JSON },
    });
    const body = (await res.json()) as { entry?: { resource?: { id?: string } }[] };
    const id = body.entry?.[0]?.resource?.id;
    if (res.status !== 200 || !id) throw new Error(`patient ${i} (CPR ${key.cpr}) is not in this store: was it loaded with the same --seed?`);
    out.push({ ...key, id });
  }
  return out;
}
