import type { Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { includeReferences, revIncludePlans } from '../../src/search/includes.js';
import { dateRange, numberRange } from '../../src/search/normalize.js';
import { buildSearchPlan, splitValues, unescape } from '../../src/search/parse.js';

const opts = { defaultCount: 20, maxCount: 100, baseUrl: 'http://forlob.test/fhir' };
const build = (q: Record<string, string[]>, types = ['Patient']) => buildSearchPlan(types, q, opts);

function error(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('dateRange / numberRange', () => {
  it('derives ranges from precision', () => {
    expect(dateRange('1970')).toEqual({ lo: Date.UTC(1970, 0, 1), hi: Date.UTC(1971, 0, 1) });
    expect(dateRange('2024-02')).toEqual({ lo: Date.UTC(2024, 1, 1), hi: Date.UTC(2024, 2, 1) });
    expect(dateRange('2024-12')).toEqual({ lo: Date.UTC(2024, 11, 1), hi: Date.UTC(2025, 0, 1) });
    expect(dateRange('2024-02-29')).toEqual({ lo: Date.UTC(2024, 1, 29), hi: Date.UTC(2024, 2, 1) });
    expect(dateRange('2023-02-29')).toBeUndefined();
    expect(dateRange('2024-01-02T10:15')).toEqual({ lo: Date.UTC(2024, 0, 2, 10, 15), hi: Date.UTC(2024, 0, 2, 10, 16) });
    expect(dateRange('2024-01-02T10:15:30.5+02:00')).toEqual({
      lo: Date.UTC(2024, 0, 2, 8, 15, 30, 500),
      hi: Date.UTC(2024, 0, 2, 8, 15, 30, 600),
    });
    expect(dateRange('0099-01-01')?.lo).toBe(new Date('0099-01-01T00:00:00Z').getTime());
    expect(dateRange('2024-13')).toBeUndefined();
    expect(dateRange('2024-01-02T25:00')).toBeUndefined();
    expect(dateRange('yesterday')).toBeUndefined();
  });

  it('numbers carry implicit precision', () => {
    expect(numberRange('100')).toEqual({ value: 100, lo: 99.5, hi: 100.5 });
    const r = numberRange('1.50')!;
    expect(r.lo).toBeCloseTo(1.495);
    expect(r.hi).toBeCloseTo(1.505);
    expect(numberRange('1e2')).toEqual({ value: 100, lo: 50, hi: 150 });
    expect(numberRange('-5')).toEqual({ value: -5, lo: -5.5, hi: -4.5 });
    expect(numberRange('abc')).toBeUndefined();
    expect(numberRange('')).toBeUndefined();
  });
});

describe('escaping', () => {
  it('splits on unescaped commas and unescapes', () => {
    expect(splitValues('a,b\\,c')).toEqual(['a', 'b\\,c']);
    expect(unescape('b\\,c\\|d\\$e\\\\f')).toBe('b,c|d$e\\f');
    const { plan } = build({ identifier: ['sys|a\\|b,other'] });
    expect(plan.where).toEqual([
      { kind: 'token', code: 'identifier', any: [{ system: 'sys', value: 'a|b' }, { value: 'other' }] },
    ]);
  });
});

describe('buildSearchPlan', () => {
  it('defaults', () => {
    const { plan, unknown, result } = build({});
    expect(plan).toEqual({ types: ['Patient'], where: [], sort: [], count: 20, offset: 0, total: 'accurate' });
    expect(unknown).toEqual([]);
    expect(result).toEqual({ include: [], revinclude: [] });
  });

  it('parses each parameter type', () => {
    const { plan } = build({
      family: ['Sørensen'],
      'given:exact': ['Søren'],
      'name:contains': ['ÆR'],
      gender: ['male,female'],
      'identifier:not': ['|x'],
      birthdate: ['ge1970', 'lt1980-06'],
      'general-practitioner': ['Practitioner/1', 'http://forlob.test/fhir/Organization/2', 'abc', 'http://x.org/Organization/3'],
      _profile: ['http://p'],
      'active:missing': ['true'],
    });
    expect(plan.where).toEqual([
      { kind: 'string', code: 'family', any: [{ mode: 'prefix', value: 'sorensen' }] },
      { kind: 'string', code: 'given', any: [{ mode: 'exact', value: 'Søren' }] },
      { kind: 'string', code: 'name', any: [{ mode: 'contains', value: 'aer' }] },
      { kind: 'token', code: 'gender', any: [{ value: 'male' }, { value: 'female' }] },
      { kind: 'token', code: 'identifier', any: [{ system: null, value: 'x' }], not: true },
      { kind: 'date', code: 'birthdate', any: [{ prefix: 'ge', lo: Date.UTC(1970, 0, 1), hi: Date.UTC(1971, 0, 1) }] },
      { kind: 'date', code: 'birthdate', any: [{ prefix: 'lt', lo: Date.UTC(1980, 5, 1), hi: Date.UTC(1980, 6, 1) }] },
      { kind: 'reference', code: 'general-practitioner', any: [{ targetType: 'Practitioner', targetId: '1' }] },
      { kind: 'reference', code: 'general-practitioner', any: [{ targetType: 'Organization', targetId: '2' }] },
      { kind: 'reference', code: 'general-practitioner', any: [{ targetId: 'abc' }] },
      { kind: 'reference', code: 'general-practitioner', any: [{ url: 'http://x.org/Organization/3' }] },
      { kind: 'uri', code: '_profile', any: [{ mode: 'exact', value: 'http://p' }] },
      { kind: 'missing', code: 'active', table: 'token', missing: true },
    ]);
  });

  it('token system| and modifiers :text, :of-type; reference :identifier and :Type', () => {
    const { plan } = build({
      identifier: ['sys|'],
      'identifier:text': ['CPR'],
      'identifier:of-type': ['http://t|MR|123'],
      'general-practitioner:identifier': ['sys|v'],
      'general-practitioner:Practitioner': ['7'],
    });
    expect(plan.where).toEqual([
      { kind: 'token', code: 'identifier', any: [{ system: 'sys' }] },
      { kind: 'string', code: 'identifier:text', any: [{ mode: 'contains', value: 'cpr' }] },
      { kind: 'token', code: 'identifier:of-type', any: [{ system: 'http://t', value: 'MR|123' }] },
      { kind: 'token', code: 'general-practitioner:identifier', any: [{ system: 'sys', value: 'v' }] },
      { kind: 'reference', code: 'general-practitioner', any: [{ targetType: 'Practitioner', targetId: '7' }] },
    ]);
  });

  it('numbers, quantities, uris', () => {
    const ra = buildSearchPlan(['RiskAssessment'], { probability: ['gt0.5'] }, opts).plan.where[0];
    expect(ra).toMatchObject({ kind: 'number', code: 'probability', any: [{ prefix: 'gt', value: 0.5 }] });
    const q = buildSearchPlan(['Observation'], { 'value-quantity': ['le5.4|http://unitsofmeasure.org|mg', '5||mg'] }, opts).plan.where;
    expect(q[0]).toMatchObject({ kind: 'quantity', any: [{ prefix: 'le', value: 5.4, system: 'http://unitsofmeasure.org', unit: 'mg' }] });
    expect(q[1]).toMatchObject({ kind: 'quantity', any: [{ prefix: 'eq', value: 5, unit: 'mg' }] });
    expect((q[1] as { any: object[] }).any[0]).not.toHaveProperty('system');
    const u = buildSearchPlan(['ValueSet'], { 'url:below': ['http://a/b'], 'url:above': ['http://a/b/c'] }, opts).plan.where;
    expect(u).toEqual([
      { kind: 'uri', code: 'url', any: [{ mode: 'below', value: 'http://a/b' }] },
      { kind: 'uri', code: 'url', any: [{ mode: 'above', value: 'http://a/b/c' }] },
    ]);
  });

  it('chains and _has', () => {
    const { plan } = buildSearchPlan(
      ['Observation'],
      { 'subject:Patient.name': ['x'], 'subject.general-practitioner:Practitioner.family': ['y'] },
      opts,
    );
    expect(plan.where).toEqual([
      { kind: 'chain', code: 'subject', targetTypes: ['Patient'], where: [{ kind: 'string', code: 'name', any: [{ mode: 'prefix', value: 'x' }] }] },
      {
        kind: 'chain',
        code: 'subject',
        targetTypes: ['Patient'], // subject's targets that have general-practitioner
        where: [
          {
            kind: 'chain',
            code: 'general-practitioner',
            targetTypes: ['Practitioner'],
            where: [{ kind: 'string', code: 'family', any: [{ mode: 'prefix', value: 'y' }] }],
          },
        ],
      },
    ]);
    const has = build({ '_has:Observation:patient:_has:Provenance:target:agent': ['Practitioner/1'] }).plan.where;
    expect(has).toEqual([
      {
        kind: 'has',
        sourceType: 'Observation',
        code: 'patient',
        where: [
          {
            kind: 'has',
            sourceType: 'Provenance',
            code: 'target',
            where: [{ kind: 'reference', code: 'agent', any: [{ targetType: 'Practitioner', targetId: '1' }] }],
          },
        ],
      },
    ]);
  });

  it('sort, count, total, result parameters', () => {
    const { plan, result } = build({
      _sort: ['-birthdate,family', '_id'],
      _count: ['500'],
      _total: ['none'],
      _include: ['Patient:general-practitioner:Practitioner'],
      '_include:iterate': ['Patient:organization'],
      _revinclude: ['Observation:subject'],
      _summary: ['true'],
      _elements: ['name,gender'],
      _format: ['json'],
      _pretty: ['true'],
    });
    expect(plan.sort).toEqual([
      { code: 'birthdate', table: 'date', descending: true },
      { code: 'family', table: 'string', descending: false },
      { code: '_id', descending: false },
    ]);
    expect(plan.count).toBe(100); // capped at maxCount
    expect(plan.total).toBe('none');
    expect(result).toEqual({
      include: [
        { sourceType: 'Patient', code: 'general-practitioner', targetType: 'Practitioner', iterate: false },
        { sourceType: 'Patient', code: 'organization', iterate: true },
      ],
      revinclude: [{ sourceType: 'Observation', code: 'subject', iterate: false }],
      summary: 'true',
      elements: ['name', 'gender'],
      format: 'json',
      pretty: true,
    });
    const count = build({ _summary: ['count'] }).plan;
    expect(count.count).toBe(0);
  });

  it('reports unknown parameters', () => {
    const { unknown, plan } = build({ foo: ['1'], 'bar:exact': ['2'], 'subject.name': ['x'], '_has:Observation:nope:code': ['1'], _text: ['x'] });
    expect(unknown.sort()).toEqual(['_has:Observation:nope:code', '_text', 'bar:exact', 'foo', 'subject.name']);
    expect(plan.where).toEqual([]);
  });

  it('rejects invalid values with 400', () => {
    const cases: Record<string, string[]>[] = [
      { birthdate: ['1970-02-30'] },
      { birthdate: ['zz1970'] },
      { 'active:missing': ['yes'] },
      { _count: ['ten'] },
      { _total: ['all'] },
      { '_has:Encounter:practitioner:status': ['x'] }, // Encounter.practitioner cannot refer to a Patient
      { 'identifier:of-type': ['a|b'] },
      { 'family:below': ['x'] },
      { 'gender:in': ['http://vs'] },
      { _include: ['Patient'] },
      { _include: ['Patient:gender'] },
      { 'general-practitioner:Nonsense': ['1'] },
      { 'general-practitioner.name': ['x'], 'gender.name': ['y'] },
      { '_has:Nope:x:y': ['1'] },
    ];
    for (const q of cases) {
      const err = error(() => build(q));
      expect(err.status, JSON.stringify(q)).toBe(400);
    }
  });

  it('reports unknown _sort keys instead of failing, and keeps the known ones', () => {
    const { unknown, plan } = build({ _sort: ['nope,-birthdate', '-code-value-quantity'] }, ['Observation']);
    expect(unknown).toEqual(['_sort=nope', '_sort=-birthdate', '_sort=-code-value-quantity']);
    expect(plan.sort).toEqual([]);
    const p = build({ _sort: ['nope,-birthdate'] });
    expect(p.unknown).toEqual(['_sort=nope']);
    expect(p.plan.sort).toEqual([{ code: 'birthdate', table: 'date', descending: true }]);
  });

  it('_has checks that the reference can point to the searched type', () => {
    expect(error(() => build({ '_has:Observation:subject:code': ['x'] }, ['Practitioner'])).status).toBe(400);
    expect(error(() => build({ '_has:Observation:patient:code': ['x'] }, ['Group'])).message).toMatch(/cannot refer to Group/);
    expect(build({ '_has:Observation:subject:code': ['x'] }, ['Group']).plan.where).toHaveLength(1);
    expect(build({ '_has:Observation:performer:code': ['x'] }, ['Practitioner']).plan.where).toHaveLength(1);
    // Nested: the inner _has is checked against its own source type.
    expect(error(() => build({ '_has:Observation:subject:_has:Provenance:agent:agent': ['x'] })).status).toBe(400);
    expect(build({ '_has:Observation:subject:_has:Provenance:target:agent': ['x'] }).plan.where).toHaveLength(1);
  });

  it('composite values: one part per component, each parsed as its type', () => {
    const { plan } = build({ 'code-value-quantity': ['http://loinc.org|8480-6$gt100|http://unitsofmeasure.org|mm[Hg],8867-4$le60'] }, ['Observation']);
    expect(plan.where).toEqual([
      {
        kind: 'composite',
        code: 'code-value-quantity',
        any: [
          {
            parts: [
              { type: 'token', match: { system: 'http://loinc.org', value: '8480-6' } },
              { type: 'quantity', match: { prefix: 'gt', value: 100, lo: 99.5, hi: 100.5, system: 'http://unitsofmeasure.org', unit: 'mm[Hg]' } },
            ],
          },
          { parts: [{ type: 'token', match: { value: '8867-4' } }, { type: 'quantity', match: { prefix: 'le', value: 60, lo: 59.5, hi: 60.5 } }] },
        ],
      },
    ]);
  });

  it('ignores empty values', () => {
    expect(build({ family: [''] }).plan.where).toEqual([]);
  });
});

describe('includes', () => {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'p1',
    generalPractitioner: [
      { reference: 'Practitioner/gp1' },
      { reference: 'http://forlob.test/fhir/Organization/o1' },
      { reference: 'http://elsewhere/fhir/Organization/o2' },
      { reference: '#c' },
    ],
    managingOrganization: { reference: 'Organization/o3' },
  };
  const obs: Observation = { resourceType: 'Observation', id: 'x', status: 'final', code: {}, subject: { reference: 'Patient/p1' } };

  it('_include: local references of the asked parameters', () => {
    const spec = { sourceType: 'Patient', code: 'general-practitioner', iterate: false };
    expect(includeReferences([patient, obs], [spec], { baseUrl: 'http://forlob.test/fhir' })).toEqual([
      { type: 'Practitioner', id: 'gp1' },
      { type: 'Organization', id: 'o1' },
    ]);
    expect(includeReferences([patient], [{ ...spec, targetType: 'Organization' }], { baseUrl: 'http://forlob.test/fhir' })).toEqual([
      { type: 'Organization', id: 'o1' },
    ]);
    const all = includeReferences([patient, obs], [{ sourceType: '*', code: '*', iterate: false }], {
      exclude: new Set(['Patient/p1']),
    });
    expect(all).toEqual([
      { type: 'Practitioner', id: 'gp1' },
      { type: 'Organization', id: 'o3' },
    ]);
  });

  it('_revinclude: plans', () => {
    const plans = revIncludePlans([patient], [{ sourceType: 'Observation', code: 'subject', iterate: false }], 50);
    expect(plans).toEqual([
      {
        types: ['Observation'],
        where: [{ kind: 'reference', code: 'subject', any: [{ targetType: 'Patient', targetId: 'p1' }] }],
        sort: [],
        count: 50,
        offset: 0,
        total: 'none',
      },
    ]);
    expect(revIncludePlans([patient], [{ sourceType: 'Observation', code: 'subject', targetType: 'Group', iterate: false }], 50)).toEqual([]);
  });
});
