import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { Validator } from '../../src/validation/index.js';

/**
 * Every official R4 example (npm package hl7.fhir.r4.examples) must still validate — with structure, invariants,
 * required bindings and the R4 profiles they name — except for a few known errors in the examples themselves.
 */
describe('official R4 examples', () => {
  it('at least 99% validate without errors', () => {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
    const validator = new Validator();
    let total = 0;
    let codeInvalid = 0;
    const failures: string[] = [];
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
      let resource: Resource;
      try {
        resource = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Resource;
      } catch {
        continue;
      }
      if (typeof resource?.resourceType !== 'string') continue;
      total++;
      const errors = validator.validate(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
      if (errors.length > 0) {
        if (errors.some((e) => e.code === 'code-invalid')) codeInvalid++;
        const reasons = errors
          .slice(0, 3)
          .map((e) => `${e.code} ${e.expression?.join(',') ?? ''}: ${(e.details?.text ?? e.diagnostics ?? '').slice(0, 120)}`);
        failures.push(`${file}: ${reasons.join(' | ')}${errors.length > 3 ? ` (+${errors.length - 3} more)` : ''}`);
      }
    }
    const passRate = (total - failures.length) / total;
    console.log(
      `R4 examples: ${total - failures.length}/${total} valid (${(passRate * 100).toFixed(2)}%), ` +
        `${codeInvalid} with binding errors\n  ${failures.join('\n  ')}`,
    );
    expect(total).toBeGreaterThan(5000);
    expect(passRate).toBeGreaterThanOrEqual(0.99);
    // Required-binding checks must not be a source of failures in the official examples.
    expect(codeInvalid).toBeLessThanOrEqual(5);
  }, 300_000);
});
