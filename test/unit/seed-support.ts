import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type { Validator } from '../../src/validation/validator.js';

/**
 * Let a validator learn the project's conformance content (fhir-profiles/: profiles, code systems, value sets),
 * as the server does on start, so seed content is checked against whatever the contract's profiles demand.
 */
export function learnProjectProfiles(validator: Validator, dir = path.resolve('fhir-profiles')): number {
  if (!fs.existsSync(dir)) return 0;
  let learned = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const json = JSON.parse(fs.readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), 'utf8')) as Resource;
    const resources = json.resourceType === 'Bundle' ? (json.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])) : [json];
    for (const r of resources) {
      validator.learn(r);
      learned++;
    }
  }
  return learned;
}
