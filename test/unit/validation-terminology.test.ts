import { describe, expect, it } from 'vitest';
import { TerminologyIndex } from '../../src/validation/index.js';

function index(): TerminologyIndex {
  const t = new TerminologyIndex();
  t.addCodeSystem({
    resourceType: 'CodeSystem',
    url: 'http://example.org/cs/tree',
    status: 'active',
    content: 'complete',
    caseSensitive: true,
    concept: [
      { code: 'A', concept: [{ code: 'A1' }, { code: 'A2', concept: [{ code: 'A2x' }] }] },
      { code: 'B', property: [{ code: 'kind', valueCode: 'odd' }] },
      { code: 'C', property: [{ code: 'kind', valueCode: 'even' }] },
    ],
  });
  t.addCodeSystem({
    resourceType: 'CodeSystem',
    url: 'http://example.org/cs/loose',
    status: 'active',
    content: 'complete',
    caseSensitive: false,
    concept: [{ code: 'Alpha' }],
  });
  t.addCodeSystem({
    resourceType: 'CodeSystem',
    url: 'http://example.org/cs/fragment',
    status: 'active',
    content: 'fragment',
    concept: [{ code: 'x' }],
  });
  const vs = (url: string, compose: object): void =>
    t.addValueSet({ resourceType: 'ValueSet', url, status: 'active', compose: compose as never });
  vs('http://example.org/vs/all', { include: [{ system: 'http://example.org/cs/tree' }] });
  vs('http://example.org/vs/isa', {
    include: [{ system: 'http://example.org/cs/tree', filter: [{ property: 'concept', op: 'is-a', value: 'A2' }] }],
  });
  vs('http://example.org/vs/desc', {
    include: [{ system: 'http://example.org/cs/tree', filter: [{ property: 'concept', op: 'descendent-of', value: 'A' }] }],
  });
  vs('http://example.org/vs/prop', {
    include: [{ system: 'http://example.org/cs/tree', filter: [{ property: 'kind', op: '=', value: 'odd' }] }],
  });
  vs('http://example.org/vs/import', {
    include: [{ valueSet: ['http://example.org/vs/isa|1.0'] }, { system: 'http://example.org/other', concept: [{ code: 'z' }] }],
    exclude: [{ system: 'http://example.org/cs/tree', concept: [{ code: 'A2x' }] }],
  });
  vs('http://example.org/vs/snomed', { include: [{ system: 'http://snomed.info/sct', filter: [{ property: 'concept', op: 'is-a', value: '123' }] }] });
  vs('http://example.org/vs/unknown-system', { include: [{ system: 'http://loinc.org' }] });
  vs('http://example.org/vs/fragment', { include: [{ system: 'http://example.org/cs/fragment' }] });
  vs('http://example.org/vs/missing-import', { include: [{ valueSet: ['http://example.org/vs/nope'] }] });
  vs('http://example.org/vs/loose', { include: [{ system: 'http://example.org/cs/loose' }] });
  vs('http://example.org/vs/cycle', { include: [{ valueSet: ['http://example.org/vs/cycle'] }] });
  return t;
}

const codes = (t: TerminologyIndex, url: string): string[] | undefined => {
  const e = t.expand(url);
  return e ? [...e.anySystem].sort() : undefined;
};

describe('TerminologyIndex', () => {
  const t = index();

  it('includes whole code systems with their nested concepts', () => {
    expect(codes(t, 'http://example.org/vs/all')).toEqual(['A', 'A1', 'A2', 'A2x', 'B', 'C']);
  });

  it('evaluates is-a, descendent-of and property filters', () => {
    expect(codes(t, 'http://example.org/vs/isa')).toEqual(['A2', 'A2x']);
    expect(codes(t, 'http://example.org/vs/desc')).toEqual(['A1', 'A2', 'A2x']);
    expect(codes(t, 'http://example.org/vs/prop')).toEqual(['B']);
  });

  it('imports value sets (versioned references), explicit concepts and exclusions', () => {
    const e = t.expand('http://example.org/vs/import');
    expect(e && [...(e.bySystem.get('http://example.org/cs/tree') ?? [])]).toEqual(['A2']);
    expect(e && [...(e.bySystem.get('http://example.org/other') ?? [])]).toEqual(['z']);
  });

  it('gives up on external or incomplete systems, unknown imports and cycles', () => {
    expect(t.expand('http://example.org/vs/snomed')).toBeUndefined();
    expect(t.expand('http://example.org/vs/unknown-system')).toBeUndefined();
    expect(t.expand('http://example.org/vs/fragment')).toBeUndefined();
    expect(t.expand('http://example.org/vs/missing-import')).toBeUndefined();
    expect(t.expand('http://example.org/vs/cycle')).toBeUndefined();
    expect(t.expand('http://example.org/vs/not-registered')).toBeUndefined();
  });

  it('keeps a lower-cased index only for case-insensitive systems', () => {
    expect([...(t.expand('http://example.org/vs/loose')?.lowerAny ?? [])]).toEqual(['alpha']);
    expect(t.expand('http://example.org/vs/all')?.lowerAny.size).toBe(0);
  });

  it('re-expands after a change', () => {
    const local = index();
    expect(codes(local, 'http://example.org/vs/unknown-system')).toBeUndefined();
    local.addCodeSystem({
      resourceType: 'CodeSystem',
      url: 'http://loinc.org',
      status: 'active',
      content: 'complete',
      concept: [{ code: '1234-5' }],
    });
    expect(codes(local, 'http://example.org/vs/unknown-system')).toEqual(['1234-5']);
  });

  it('expands the R4 value sets used by required bindings', () => {
    const r4 = new TerminologyIndex();
    r4.loadR4();
    expect(codes(r4, 'http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1')).toEqual(['female', 'male', 'other', 'unknown']);
    expect(r4.expand('http://hl7.org/fhir/ValueSet/observation-status')?.anySystem.has('final')).toBe(true);
    // v3 value set defined with an is-a filter over a v3 code system
    expect(r4.expand('http://terminology.hl7.org/ValueSet/v3-ActEncounterCode')?.anySystem.has('AMB')).toBe(true);
    expect(r4.expand('http://hl7.org/fhir/ValueSet/mimetypes')).toBeUndefined();
  });
});
