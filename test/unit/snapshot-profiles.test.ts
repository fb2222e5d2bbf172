import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Validator, hasErrors } from '../../src/validation/index.js';
import { regenerateSnapshots } from '../../src/validation/snapshot-files.js';

/*
 * The committed content of fhir-profiles/: its snapshots are current, it is valid R4, it follows the
 * naming rules of docs/PROGRAMME-MODEL.md, and the CPR rule of forlob-patient holds for real dates.
 */

const dir = loadConfig({}).profilesDir;
const BASE = 'https://forlob.dk/fhir';
const CPR = 'urn:oid:1.2.208.176.1.2';

function content(): Resource[] {
  const out: Resource[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const json = JSON.parse(fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8')) as Resource;
    if (json.resourceType === 'Bundle') out.push(...((json as Bundle).entry ?? []).map((e) => e.resource!));
    else out.push(json);
  }
  return out;
}

const resources = content();
const of = <T extends Resource>(type: T['resourceType']) => resources.filter((r) => r.resourceType === type) as T[];

describe('fhir-profiles: snapshots', () => {
  it('every committed snapshot is exactly what the generator makes of the differential (else run the tool)', () => {
    const results = regenerateSnapshots(dir, { write: false });
    expect(results.map((r) => path.basename(r.file)).sort()).toEqual(
      [
        'careplan-status-history',
        'careplan-stratum',
        'cpg-enrolledIn',
        'forlob-careplan',
        'forlob-careteam',
        'forlob-episodeofcare',
        'forlob-organization',
        'forlob-patient',
        'forlob-stratification',
        'forlob-task',
      ].map((n) => `${n}.json`),
    );
    const stale = results.filter((r) => r.stale).map((r) => path.relative(dir, r.file));
    expect(stale, 'npm run build && node fhir-profiles/tools/generate-snapshots.mjs').toEqual([]);
  });
});

describe('fhir-profiles: content', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = new Validator({ r4Profiles: false });
  });

  it('is valid R4 and usable by the validator', () => {
    for (const r of resources) {
      const errors = validator.validate(r).filter((i) => i.severity === 'error' || i.severity === 'fatal');
      expect(errors, `${r.resourceType}/${r.id}`).toEqual([]);
    }
    for (const r of resources) validator.learn(r);
    for (const sd of of<StructureDefinition>('StructureDefinition').filter((s) => s.kind === 'resource')) {
      expect(validator.hasProfile(sd.url!), sd.url).toBe(true);
    }
  });

  it('names everything of ours under the canonical base, id = last URL segment, version 1.0.0', () => {
    for (const r of resources as (Resource & { url?: string; version?: string; status?: string })[]) {
      expect(r.url, `${r.resourceType}/${r.id}`).toBe(r.url!.startsWith(BASE) ? `${BASE}/${r.resourceType}/${r.id}` : r.url);
      expect(r.url!.split('/').pop()).toBe(r.id);
      expect(r.status).toBe('active');
      if (r.url!.startsWith(BASE)) expect(r.version).toBe('1.0.0');
    }
    const cpg = resources.find((r) => r.id === 'cpg-enrolledIn') as StructureDefinition;
    expect(cpg.url).toBe('http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-enrolledIn');
  });

  it('has each code system of the contract, with Danish designations, and a value set of the same id with all its codes', () => {
    const systems = of<CodeSystem>('CodeSystem');
    const expected: Record<string, string[]> = {
      'careteam-role': ['tovholder', 'care-coordinator', 'general-practice', 'municipality', 'hospital-department', 'patient', 'relative'],
      sector: ['general-practice', 'municipality', 'hospital'],
      stratification: ['stratum', 'disease-complexity', 'self-care-ability', 'severity'],
      'disease-complexity': ['low', 'high'],
      'self-care-ability': ['good', 'low'],
      severity: ['mild', 'moderate', 'severe'],
      stratum: ['1', '2', '3', '4'],
      'stratification-method': ['computed', 'clinician-override'],
      programme: [
        'diabetes-type-2',
        'copd',
        'cardiovascular',
        'low-back-pain',
        'dementia',
        'schizophrenia',
        'depression',
        'cancer-rehabilitation-palliation',
        'acquired-brain-injury',
        'frail-elderly',
      ],
      'quality-parameter': ['admission-information', 'joint-discharge-plan', 'care-course-plan', 'discharge-readiness-notice', 'discharge-report', 'discharge-letter', 'on-time', 'late'],
    };
    for (const [id, codes] of Object.entries(expected)) {
      const cs = systems.find((s) => s.id === id);
      expect(cs?.concept?.map((c) => c.code), id).toEqual(codes);
    }
    const activity = systems.find((s) => s.id === 'activity-type')!.concept!.map((c) => c.code);
    expect(activity).toEqual(
      expect.arrayContaining(['enrolment', 'clarifying-conversation', 'education-session', 'closing-conversation', 'follow-up-conversation', 'annual-control', 'appoint-tovholder', 'appoint-care-coordinator', 'exacerbation-plan']),
    );
    expect(systems.map((s) => s.id).sort()).toEqual([...Object.keys(expected), 'activity-type'].sort());
    for (const cs of systems) {
      expect(cs.count).toBe(cs.concept!.length);
      for (const c of cs.concept!) {
        expect(c.display, `${cs.id}#${c.code}`).toBeTruthy();
        expect(c.designation?.find((d) => d.language === 'da')?.value, `${cs.id}#${c.code}`).toBeTruthy();
      }
      const vs = of<ValueSet>('ValueSet').find((v) => v.id === cs.id);
      expect(vs?.compose?.include).toEqual([{ system: cs.url }]);
    }
  });

  it('has the search parameters of the contract', () => {
    const params = of<import('@medplum/fhirtypes').SearchParameter>('SearchParameter');
    expect(params.map((p) => [p.code, p.base, p.type, p.status])).toEqual([
      ['episode-of-care', ['CarePlan', 'Task', 'ServiceRequest'], 'reference', 'active'],
      ['stratum', ['CarePlan'], 'token', 'active'],
      ['programme', ['EpisodeOfCare'], 'reference', 'active'],
      ['participant-role', ['CareTeam'], 'token', 'active'],
      ['role-member', ['CareTeam'], 'composite', 'active'],
      ['municipality', ['Patient', 'Organization'], 'token', 'active'],
    ]);
    // the composite's own component is defined before it (the loader activates in file order)
    const composite = params[4];
    expect(composite.component!.map((c) => c.definition)).toEqual([params[3].url, 'http://hl7.org/fhir/SearchParameter/CareTeam-participant']);
  });
});

describe('forlob-patient: the CPR rule (forlob-cpr-1)', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = new Validator({ r4Profiles: false });
    for (const r of resources) validator.learn(r);
  });
  const patient = (value: string) =>
    ({ resourceType: 'Patient', meta: { profile: [`${BASE}/StructureDefinition/forlob-patient`] }, identifier: [{ system: CPR, value }] }) as Resource;
  const verdict = (value: string) => {
    const issues = validator.validate(patient(value));
    return hasErrors(issues) ? issues.filter((i) => i.severity === 'error').map((i) => (i.diagnostics ?? i.details?.text ?? '').slice(0, 30)) : 'valid';
  };

  it.each([
    ['0101851234', 'an ordinary date'],
    ['3112991234', '31 December'],
    ['3004851234', '30 April'],
    ['2902841234', '29 February 1984'],
    ['2902004234', '29 February 2000 (7th digit 4: born 2000)'],
    ['2902005234', '29 February 2000 (7th digit 5: born 2000)'],
  ])('accepts %s (%s)', (value) => {
    expect(verdict(value)).toBe('valid');
  });

  it.each([
    ['3102851234', '31 February'],
    ['2902851234', '29 February 1985'],
    ['2902001234', '29 February 1900 (7th digit 0-3: born 1900)'],
    ['3104851234', '31 April'],
    ['0001851234', 'day 00'],
    ['0113851234', 'month 13'],
    ['010185123', 'nine digits'],
    ['01018512345', 'eleven digits'],
    ['010185-1234', 'with a dash'],
  ])('refuses %s (%s)', (value) => {
    expect(verdict(value)).not.toBe('valid');
  });

  it('needs exactly one CPR identifier, and leaves other identifiers alone', () => {
    const other = { system: 'urn:other', value: '3102851234' };
    const p = (identifier: unknown[]) =>
      ({ resourceType: 'Patient', meta: { profile: [`${BASE}/StructureDefinition/forlob-patient`] }, identifier }) as Resource;
    expect(hasErrors(validator.validate(p([other])))).toBe(true);
    expect(hasErrors(validator.validate(p([other, { system: CPR, value: '0101851234' }])))).toBe(false);
    expect(hasErrors(validator.validate(p([{ system: CPR, value: '0101851234' }, { system: CPR, value: '0202851234' }])))).toBe(true);
  });
});
