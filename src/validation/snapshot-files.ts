import fs from 'node:fs';
import path from 'node:path';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { deepEqual } from './snapshot-constrain.js';
import { chainResolvers, resolveR4Definition } from './snapshot-bases.js';
import { generateSnapshot } from './snapshot.js';

/*
 * The StructureDefinitions of a content folder (fhir-profiles/) are committed with their differential
 * (the source) and the snapshot generated from it. `regenerateSnapshots` rebuilds every snapshot: to
 * write them (fhir-profiles/tools/generate-snapshots.mjs), or to prove the committed ones are current
 * (a unit test).
 */

export interface ProfileSource {
  file: string;
  sd: StructureDefinition;
}

export interface RegeneratedFile {
  file: string;
  url: string;
  /** The committed file differs from what the generator makes of its differential. */
  stale: boolean;
}

/** Every StructureDefinition with a differential in a JSON file under `dir` (one resource per file). */
export function profileSources(dir: string): ProfileSource[] {
  const out: ProfileSource[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as StructureDefinition;
    if (json.resourceType === 'StructureDefinition' && json.differential) out.push({ file, sd: json });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/**
 * Generate the snapshot of every StructureDefinition under `dir`. Definitions of the folder are resolved
 * from their differentials, never from their committed snapshots, so a change to a base shows in every
 * profile built on it. With `write`, stale files are rewritten (2-space JSON, snapshot last).
 * @throws FhirError 422 when a differential cannot be applied.
 */
export function regenerateSnapshots(dir: string, options: { write: boolean }): RegeneratedFile[] {
  const sources = profileSources(dir);
  const differentials = new Map<string, StructureDefinition>();
  for (const { sd } of sources) {
    const { snapshot: _snapshot, ...rest } = sd;
    if (sd.url) differentials.set(sd.url, rest);
  }
  const resolve = chainResolvers((url) => differentials.get(url), resolveR4Definition);
  return sources.map(({ file, sd }) => {
    const { snapshot: _snapshot, ...rest } = sd;
    const generated = generateSnapshot(rest, resolve);
    const stale = !deepEqual(generated, sd);
    if (stale && options.write) fs.writeFileSync(file, `${JSON.stringify(generated, null, 2)}\n`);
    return { file, url: sd.url ?? '', stale };
  });
}
