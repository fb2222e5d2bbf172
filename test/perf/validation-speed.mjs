// Validation cost per resource: @medplum/core's validateResource (what Validator.validate ran before) against
// the compiled structural validator (src/validation/structure.ts), and the whole Validator.validate now
// (structure + required bindings). Not a test: a measurement to run by hand, on a quiet machine.
//
//   npx tsc -p tsconfig.build.json && node test/perf/validation-speed.mjs [dist directory]
import { validateResource } from '@medplum/core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
const load = (p) => import(pathToFileURL(`${dist}/${p}`).href);
const { loadBaseDefinitions } = await load('src/fhir/definitions.js');
const { validateStructure } = await load('src/validation/structure.js');
const { Validator } = await load('src/validation/validator.js');
loadBaseDefinitions();
const validator = new Validator();

const require = createRequire(import.meta.url);
const examples = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
const example = (file) => JSON.parse(readFileSync(`${examples}/${file}`, 'utf8'));

// Shaped like the benchmark's data (bench/data.ts): no narrative, a few codings and references.
const loinc = (code, display) => ({ coding: [{ system: 'http://loinc.org', code, display }], text: display });
const quantity = (value, unit) => ({ value, unit, system: 'http://unitsofmeasure.org', code: unit });
const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: '0101801234' }],
  active: true,
  name: [{ use: 'official', family: 'Jensen', given: ['Anne', 'Marie'] }],
  telecom: [{ system: 'phone', value: '+45 12345678', use: 'mobile' }],
  gender: 'female',
  birthDate: '1980-01-01',
  address: [{ use: 'home', line: ['Vestergade 1'], city: 'Aarhus', postalCode: '8000', country: 'DK' }],
  generalPractitioner: [{ reference: 'Organization/gp-1' }],
};
const heartRate = {
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: loinc('8867-4', 'Heart rate'),
  valueQuantity: quantity(72, '/min'),
  subject: { reference: 'Patient/p-1' },
  encounter: { reference: 'Encounter/e-1' },
  effectiveDateTime: '2024-03-01T10:15:00+01:00',
  issued: '2024-03-01T11:15:00.000Z',
  performer: [{ reference: 'Organization/gp-1' }],
};
const bloodPressure = {
  ...heartRate,
  code: loinc('85354-9', 'Blood pressure panel'),
  valueQuantity: undefined,
  component: [
    { code: loinc('8480-6', 'Systolic blood pressure'), valueQuantity: quantity(138, 'mm[Hg]') },
    { code: loinc('8462-4', 'Diastolic blood pressure'), valueQuantity: quantity(84, 'mm[Hg]') },
  ],
};
delete bloodPressure.valueQuantity;
const carePlan = {
  resourceType: 'CarePlan',
  instantiatesCanonical: ['http://example.org/PlanDefinition/diabetes-type-2'],
  status: 'active',
  intent: 'plan',
  category: [{ text: 'Forløbsprogram' }],
  title: 'Type 2-diabetes',
  subject: { reference: 'Patient/p-1' },
  period: { start: '2020-01-01' },
  created: '2020-01-01T09:00:00+01:00',
  author: { reference: 'Organization/gp-1' },
  careTeam: [{ reference: 'CareTeam/ct-1' }],
  addresses: [{ reference: 'Condition/c-1' }],
};
const transaction = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: Array.from({ length: 500 }, (_, i) => {
    const resource = [patient, heartRate, bloodPressure, carePlan][i % 4];
    return { fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resource, request: { method: 'POST', url: resource.resourceType } };
  }),
};

const cases = [
  ['Patient (bench-like)', patient, 1],
  ['Observation heart rate (bench-like)', heartRate, 1],
  ['Observation blood pressure (bench-like)', bloodPressure, 1],
  ['CarePlan (bench-like)', carePlan, 1],
  ['transaction Bundle, per entry (500)', transaction, 500],
  ['Patient-example.json', example('Patient-example.json'), 1],
  ['Observation-example.json', example('Observation-example.json'), 1],
  ['Observation-blood-pressure.json', example('Observation-blood-pressure.json'), 1],
  ['CarePlan-example.json', example('CarePlan-example.json'), 1],
  ['Bundle-bundle-transaction.json, per entry (10)', example('Bundle-bundle-transaction.json'), 10],
];

/** Microseconds per call, after warm-up, over about a second. */
function time(fn) {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let now = start;
  while (now - start < 1_000_000_000n) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / n / 1000;
}

const rows = [['resource', 'core validateResource µs', 'compiled structure µs', 'speed-up', 'Validator.validate µs']];
for (const [name, resource, per] of cases) {
  const errors = [];
  validateStructure(resource, errors);
  if (errors.some((i) => i.severity === 'error')) throw new Error(`${name} is not valid: ${JSON.stringify(errors[0])}`);
  const core = time(() => {
    try {
      validateResource(resource);
    } catch {
      // invalid: not the case here
    }
  }) / per;
  const compiled = time(() => validateStructure(resource, [])) / per;
  const full = time(() => validator.validate(resource)) / per;
  rows.push([name, core.toFixed(1), compiled.toFixed(1), `${(core / compiled).toFixed(1)}x`, full.toFixed(1)]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
