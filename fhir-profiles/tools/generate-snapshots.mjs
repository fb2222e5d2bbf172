// Regenerate the snapshots of fhir-profiles/ from their differentials (see ../README.md):
//   npm run build && node fhir-profiles/tools/generate-snapshots.mjs          rewrite stale files
//   npm run build && node fhir-profiles/tools/generate-snapshots.mjs --check  only report them (exit 1)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { regenerateSnapshots } from '../../dist/src/validation/snapshot-files.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
try {
  const results = regenerateSnapshots(dir, { write: !check });
  for (const r of results) console.log(`${r.stale ? (check ? 'STALE    ' : 'written  ') : 'current  '}${path.relative(dir, r.file)}`);
  if (check && results.some((r) => r.stale)) process.exitCode = 1;
} catch (err) {
  console.error(err.outcome ? JSON.stringify(err.outcome, null, 2) : err);
  process.exitCode = 1;
}
