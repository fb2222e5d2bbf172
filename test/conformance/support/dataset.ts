/**
 * The fixed data set of the search conformance suite: the official R4 examples of the twelve types
 * (npm hl7.fhir.r4.examples, written with PUT keeping their ids) plus the seeded generated resources
 * (generator.ts). Examples the server rejects with a 4xx are skipped and counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fhirFetch } from '../../support/server.js';
import { generate, type Json } from './generator.js';

export const SEARCH_TYPES = [
  'Patient',
  'Condition',
  'Observation',
  'CarePlan',
  'CareTeam',
  'EpisodeOfCare',
  'Task',
  'ServiceRequest',
  'PlanDefinition',
  'Organization',
  'Practitioner',
  'Encounter',
] as const;

const require = createRequire(import.meta.url);

export function loadExamples(types: readonly string[]): { file: string; resource: Json }[] {
  const dir = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
  const out: { file: string; resource: Json }[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    const type = file.split('-')[0];
    if (!file.endsWith('.json') || !types.includes(type)) continue;
    const resource = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (resource?.resourceType !== type || typeof resource.id !== 'string') continue;
    out.push({ file, resource });
  }
  return out;
}

export interface Loaded {
  /** As stored by the server (the PUT response, with meta), by type. */
  byType: Map<string, Json[]>;
  examplesWritten: number;
  examplesRejected: { file: string; status: number; reason: string }[];
  generatedWritten: number;
}

async function put(base: string, r: Json): Promise<{ status: number; stored?: Json; reason: string }> {
  const url = `${base}/${r.resourceType}/${encodeURIComponent(r.id)}`;
  const res = await fhirFetch(url, { method: 'PUT', body: r, headers: { prefer: 'return=representation' } });
  if (res.status !== 200 && res.status !== 201) {
    const issue = res.body?.issue?.find((i: Json) => i.severity === 'error' || i.severity === 'fatal') ?? res.body?.issue?.[0];
    return { status: res.status, reason: `${issue?.diagnostics ?? issue?.details?.text ?? res.text.slice(0, 200)}${issue?.expression ? ` at ${issue.expression.join(', ')}` : ''}` };
  }
  let stored = res.body?.resourceType === r.resourceType ? res.body : undefined;
  if (!stored) stored = (await fhirFetch(url)).body;
  return { status: res.status, stored, reason: '' };
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await fn(next);
    }),
  );
}

export async function loadDataSet(base: string, seed = 20240601): Promise<Loaded> {
  const byType = new Map<string, Json[]>(SEARCH_TYPES.map((t) => [t, []]));
  const examples = loadExamples(SEARCH_TYPES);
  const rejected: Loaded['examplesRejected'] = [];
  let examplesWritten = 0;
  await pool(examples, 12, async ({ file, resource }) => {
    const r = await put(base, resource);
    if (r.stored) {
      byType.get(resource.resourceType)!.push(r.stored);
      examplesWritten++;
    } else if (r.status >= 400 && r.status < 500) {
      rejected.push({ file, status: r.status, reason: r.reason });
    } else {
      throw new Error(`PUT ${file}: ${r.status} ${r.reason}`);
    }
  });
  const generated = generate(seed);
  const genErrors: string[] = [];
  await pool(generated, 12, async (resource) => {
    const r = await put(base, resource);
    if (r.stored) byType.get(resource.resourceType)!.push(r.stored);
    else genErrors.push(`${resource.resourceType}/${resource.id}: ${r.status} ${r.reason}`);
  });
  if (genErrors.length) throw new Error(`The server rejected generated resources:\n${genErrors.join('\n')}`);
  for (const list of byType.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  rejected.sort((a, b) => a.file.localeCompare(b.file));
  return { byType, examplesWritten, examplesRejected: rejected, generatedWritten: generated.length };
}
