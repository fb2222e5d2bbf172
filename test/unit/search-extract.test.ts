import type { Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { extractIndex } from '../../src/search/extract.js';
import { foldString } from '../../src/search/normalize.js';

export const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: {
    versionId: '1',
    lastUpdated: '2024-01-02T03:04:05.678Z',
    profile: ['http://example.dk/StructureDefinition/patient'],
    tag: [{ system: 'http://example.dk/tags', code: 'pilot' }],
    source: 'http://example.dk/source',
  },
  identifier: [
    {
      system: 'urn:oid:1.2.208.176.1.2',
      value: '0101701234',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }], text: 'CPR' },
    },
  ],
  active: true,
  name: [{ use: 'official', family: 'Sørensen', given: ['Søren', 'Aabye'], prefix: ['Dr.'] }],
  telecom: [
    { system: 'phone', value: '+45 12345678', use: 'home' },
    { system: 'email', value: 'soren@example.dk' },
  ],
  gender: 'male',
  birthDate: '1970-05-06',
  address: [{ line: ['Storegade 1'], city: 'Åbenrå', postalCode: '6200', country: 'DK' }],
  generalPractitioner: [{ reference: 'Practitioner/gp1' }, { reference: 'http://other.example/fhir/Organization/o9' }],
  managingOrganization: { reference: 'Organization/org1' },
};

export const observation: Observation = {
  resourceType: 'Observation',
  id: 'o1',
  meta: { versionId: '1', lastUpdated: '2024-01-02T03:04:05.678Z' },
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }], text: 'Systolisk blodtryk' },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2024-01-02T10:15:00+01:00',
  valueQuantity: { value: 120.5, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
  ],
};

describe('foldString', () => {
  it('folds case, accents and Danish letters the same way on both sides', () => {
    expect(foldString('Sørensen')).toBe('sorensen');
    expect(foldString('Åbenrå')).toBe('abenra');
    expect(foldString('Aabenraa')).toBe('abenra');
    expect(foldString('Abenra')).toBe('abenra');
    expect(foldString('Ærø')).toBe('aero');
    expect(foldString('José  Müller ')).toBe('jose muller');
    expect(foldString('Soerensen')).not.toBe('sorensen');
  });
});

describe('extractIndex', () => {
  it('indexes a Patient', () => {
    const idx = extractIndex(patient);
    const strings = (code: string) => idx.string.filter((r) => r.code === code).map((r) => r.norm);
    expect(strings('family')).toEqual(['sorensen']);
    expect(strings('given').sort()).toEqual(['abye', 'soren']);
    expect(strings('name')).toEqual(expect.arrayContaining(['sorensen', 'soren', 'abye', 'dr.', 'soren abye sorensen']));
    expect(idx.string.find((r) => r.code === 'family')?.exact).toBe('Sørensen');
    expect(strings('address-city')).toEqual(['abenra']);
    expect(idx.token).toEqual(
      expect.arrayContaining([
        { code: 'identifier', system: 'urn:oid:1.2.208.176.1.2', value: '0101701234' },
        { code: 'identifier:of-type', system: 'http://terminology.hl7.org/CodeSystem/v2-0203', value: 'NI|0101701234' },
        { code: 'gender', system: 'http://hl7.org/fhir/administrative-gender', value: 'male' },
        { code: 'active', system: null, value: 'true' },
        { code: 'phone', system: 'phone', value: '+45 12345678' },
        { code: 'email', system: 'email', value: 'soren@example.dk' },
        { code: '_tag', system: 'http://example.dk/tags', value: 'pilot' },
      ]),
    );
    expect(idx.token.some((r) => r.code === 'phone' && r.value === 'soren@example.dk')).toBe(false);
    expect(idx.string).toEqual(expect.arrayContaining([{ code: 'identifier:text', norm: 'cpr', exact: 'CPR' }]));
    expect(idx.date).toEqual([{ code: 'birthdate', lo: Date.UTC(1970, 4, 6), hi: Date.UTC(1970, 4, 7) }]);
    expect(idx.reference).toEqual(
      expect.arrayContaining([
        { code: 'general-practitioner', targetType: 'Practitioner', targetId: 'gp1', url: null },
        {
          code: 'general-practitioner',
          targetType: 'Organization',
          targetId: 'o9',
          url: 'http://other.example/fhir/Organization/o9',
        },
        { code: 'organization', targetType: 'Organization', targetId: 'org1', url: null },
      ]),
    );
    expect(idx.uri).toEqual(
      expect.arrayContaining([
        { code: '_profile', value: 'http://example.dk/StructureDefinition/patient' },
        { code: '_source', value: 'http://example.dk/source' },
      ]),
    );
    // _id and _lastUpdated are store columns, not index rows.
    expect(idx.token.some((r) => r.code === '_id')).toBe(false);
    expect(idx.date.some((r) => r.code === '_lastUpdated')).toBe(false);
  });

  it('indexes an Observation', () => {
    const idx = extractIndex(observation);
    expect(idx.token).toEqual(
      expect.arrayContaining([
        { code: 'code', system: 'http://loinc.org', value: '8480-6' },
        { code: 'status', system: 'http://hl7.org/fhir/observation-status', value: 'final' },
        { code: 'component-code', system: 'http://loinc.org', value: '8462-4' },
      ]),
    );
    expect(idx.string).toEqual(
      expect.arrayContaining([
        { code: 'code:text', norm: 'systolisk blodtryk', exact: 'Systolisk blodtryk' },
        { code: 'code:text', norm: 'systolic blood pressure', exact: 'Systolic blood pressure' },
      ]),
    );
    const lo = Date.UTC(2024, 0, 2, 9, 15);
    expect(idx.date).toEqual(expect.arrayContaining([{ code: 'date', lo, hi: lo + 1000 }]));
    const vq = idx.quantity.filter((r) => r.code === 'value-quantity');
    expect(vq).toHaveLength(1);
    expect(vq[0].value).toBe(120.5);
    expect(vq[0].lo).toBeCloseTo(120.45);
    expect(vq[0].hi).toBeCloseTo(120.55);
    expect(vq[0].unit).toBe('mm[Hg]');
    const cvq = idx.quantity.filter((r) => r.code === 'component-value-quantity');
    expect(cvq.map((r) => r.unit).sort()).toEqual(['mmHg', 'mm[Hg]']);
    expect(idx.reference).toEqual(
      expect.arrayContaining([
        { code: 'subject', targetType: 'Patient', targetId: 'p1', url: null },
        { code: 'patient', targetType: 'Patient', targetId: 'p1', url: null },
      ]),
    );
  });

  it('indexes a Timing by its outer limits (events and repeat.boundsPeriod)', () => {
    const sr = (occurrenceTiming: object) =>
      extractIndex({ resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, occurrenceTiming } as never).date.filter(
        (r) => r.code === 'occurrence',
      );
    expect(sr({ event: ['2024-01-05', '2024-03-01'] })).toEqual([{ code: 'occurrence', lo: Date.UTC(2024, 0, 5), hi: Date.UTC(2024, 2, 2) }]);
    expect(sr({ repeat: { boundsPeriod: { start: '2024-02-01', end: '2024-02-10' }, frequency: 1, period: 1, periodUnit: 'wk' } })).toEqual([
      { code: 'occurrence', lo: Date.UTC(2024, 1, 1), hi: Date.UTC(2024, 1, 11) },
    ]);
    expect(sr({ event: ['2023-12-24'], repeat: { boundsPeriod: { start: '2024-02-01' } } })).toEqual([
      { code: 'occurrence', lo: Date.UTC(2023, 11, 24), hi: 8.64e15 },
    ]);
    expect(sr({ repeat: { frequency: 1, period: 1, periodUnit: 'd' } })).toEqual([]);
  });

  it('indexes references by type only where the expression asks for it (resolve() is Patient)', () => {
    const idx = extractIndex({ ...observation, subject: { reference: 'Group/g1' } });
    expect(idx.reference.some((r) => r.code === 'subject' && r.targetId === 'g1')).toBe(true);
    expect(idx.reference.some((r) => r.code === 'patient')).toBe(false);
  });

  it('ignores contained references and indexes Periods and canonicals', () => {
    const idx = extractIndex({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: '#p' },
      period: { start: '2024-01-01', end: '2024-01-03T12:00:00Z' },
    });
    expect(idx.reference.filter((r) => r.code === 'subject')).toEqual([]);
    expect(idx.date).toEqual(
      expect.arrayContaining([{ code: 'date', lo: Date.UTC(2024, 0, 1), hi: Date.UTC(2024, 0, 3, 12, 0, 1) }]),
    );
    const qr = extractIndex({ resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'http://x.dk/Questionnaire/q|2.0' });
    expect(qr.reference.filter((r) => r.code === 'questionnaire').map((r) => r.url).sort()).toEqual([
      'http://x.dk/Questionnaire/q',
      'http://x.dk/Questionnaire/q|2.0',
    ]);
  });

  it('extracts fast (throughput is printed)', () => {
    for (let i = 0; i < 2000; i++) {
      extractIndex(patient);
      extractIndex(observation);
    }
    const rate = (r: typeof patient | typeof observation) => {
      const n = 20_000;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) extractIndex(r);
      return Math.round(n / ((performance.now() - t0) / 1000));
    };
    const p = rate(patient);
    const o = rate(observation);
    console.log(`extractIndex throughput: Patient ${p}/s, Observation ${o}/s`);
    // Generous floor so a loaded machine does not fail the suite; the aim is > 10k/s.
    expect(p).toBeGreaterThan(3000);
    expect(o).toBeGreaterThan(3000);
  });
});

describe('custom SearchParameters', () => {
  it('are picked up by extraction and parsing after registerSearchParameter', async () => {
    const { registerSearchParameter } = await import('../../src/search/params.js');
    const { buildSearchPlan } = await import('../../src/search/parse.js');
    const p: Patient = {
      resourceType: 'Patient',
      extension: [{ url: 'http://forlob.dk/ext/programme', valueCoding: { system: 'http://forlob.dk/programme', code: 'KOL' } }],
    };
    expect(extractIndex(p).token.some((r) => r.code === 'programme')).toBe(false);
    expect(buildSearchPlan(['Patient'], { programme: ['KOL'] }, { defaultCount: 10, maxCount: 10 }).unknown).toEqual(['programme']);
    registerSearchParameter({
      resourceType: 'SearchParameter',
      url: 'http://forlob.dk/SearchParameter/programme',
      name: 'programme',
      description: 'The care programme a patient is enrolled in',
      status: 'active',
      code: 'programme',
      base: ['Patient'],
      type: 'token',
      expression: "Patient.extension.where(url='http://forlob.dk/ext/programme').value",
    });
    expect(extractIndex(p).token).toContainEqual({ code: 'programme', system: 'http://forlob.dk/programme', value: 'KOL' });
    const built = buildSearchPlan(['Patient'], { programme: ['KOL'] }, { defaultCount: 10, maxCount: 10 });
    expect(built.unknown).toEqual([]);
    expect(built.plan.where).toEqual([{ kind: 'token', code: 'programme', any: [{ value: 'KOL' }] }]);
  });
});
