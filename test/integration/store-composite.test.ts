import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { extractIndex } from '../../src/search/extract.js';
import { buildSearchPlan } from '../../src/search/parse.js';
import type { Store } from '../../src/store/types.js';
import { openTempStore, planFor, searchIds, type TempStore } from '../support/store.js';

/** Composite search parameters: all parts must hold on the SAME element. */

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';
const mmHg = (value: number) => ({ value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' });
const coding = (code: string, system = LOINC) => ({ coding: [{ system, code }] });

const fixtures: Resource[] = [
  // Systolic 150 / diastolic 90.
  {
    resourceType: 'Observation',
    id: 'bp-high',
    status: 'final',
    code: coding('85354-9'),
    component: [
      { code: coding('8480-6'), valueQuantity: mmHg(150) },
      { code: coding('8462-4'), valueQuantity: mmHg(90) },
    ],
  },
  // Systolic 110 / diastolic 160: a systolic code and a value > 140 are both present, but on
  // different components.
  {
    resourceType: 'Observation',
    id: 'bp-swapped',
    status: 'final',
    code: coding('85354-9'),
    component: [
      { code: coding('8480-6'), valueQuantity: mmHg(110) },
      { code: coding('8462-4'), valueQuantity: mmHg(160) },
    ],
  },
  { resourceType: 'Observation', id: 'sys-120', status: 'final', code: coding('8480-6'), valueQuantity: mmHg(120) },
  { resourceType: 'Observation', id: 'sys-90', status: 'final', code: coding('8480-6'), valueQuantity: mmHg(90) },
  // Weight 120 kg: the value matches gt100 but the code does not.
  { resourceType: 'Observation', id: 'weight', status: 'final', code: coding('29463-7'), valueQuantity: { value: 120, unit: 'kg', system: UCUM, code: 'kg' } },
  // Smoking status: code + CodeableConcept value.
  { resourceType: 'Observation', id: 'smoker', status: 'final', code: coding('72166-2'), valueCodeableConcept: coding('77176002', SNOMED) },
  { resourceType: 'Observation', id: 'non-smoker', status: 'final', code: coding('72166-2'), valueCodeableConcept: coding('8517006', SNOMED) },
  { resourceType: 'Observation', id: 'note', status: 'final', code: coding('8251-1'), valueString: 'Føler sig træt' },
  { resourceType: 'Observation', id: 'dated', status: 'final', code: coding('21112-8'), valueDateTime: '1970-05-06' },
  // A three-component composite whose first component comes from %resource.
  {
    resourceType: 'MolecularSequence',
    id: 'seq1',
    type: 'dna',
    coordinateSystem: 0,
    referenceSeq: { chromosome: coding('1', 'http://terminology.hl7.org/CodeSystem/chromosome-human'), windowStart: 100, windowEnd: 200 },
    variant: [
      { start: 120, end: 121 },
      { start: 180, end: 185 },
    ],
  },
];

let store: Store;
let temp: TempStore;

beforeAll(async () => {
  temp = await openTempStore('composite', fixtures);
  store = temp.store;
});

afterAll(async () => {
  await temp?.close();
});

async function ids(type: string, q: string): Promise<string[]> {
  expect(planFor(type, q).unknown).toEqual([]);
  return searchIds(store, type, q);
}

describe('composite parameters', () => {
  it('extracts one row per element, pairing that element\'s component values', () => {
    const rows = extractIndex(fixtures[1]).composite.filter((r) => r.code === 'component-code-value-quantity');
    // (Each quantity is indexed by unit code and by human unit, so each pair comes twice.)
    expect([...new Set(rows.map((r) => `${r.parts[0].v}|${r.parts[1].n}`))].sort()).toEqual(['8462-4|160', '8480-6|110']);
    expect(rows.map((r) => [r.parts[0].v, r.parts[1].n]).sort()).not.toContainEqual(['8480-6', 160]);
  });

  it('code-value-quantity', async () => {
    expect(await ids('Observation', `code-value-quantity=${LOINC}|8480-6$gt100`)).toEqual(['sys-120']);
    expect(await ids('Observation', 'code-value-quantity=8480-6$gt100')).toEqual(['sys-120']);
    expect(await ids('Observation', `code-value-quantity=${LOINC}|8480-6$lt100`)).toEqual(['sys-90']);
    expect(await ids('Observation', `code-value-quantity=${LOINC}|8480-6$120|${UCUM}|mm[Hg]`)).toEqual(['sys-120']);
    expect(await ids('Observation', `code-value-quantity=${LOINC}|8480-6$120|${UCUM}|kg`)).toEqual([]);
    // Both parts present on the resource, but not together: weight has a value > 100, not the code.
    expect(await ids('Observation', `code-value-quantity=${LOINC}|29463-7$gt200`)).toEqual([]);
    expect(await ids('Observation', `code-value-quantity=${LOINC}|29463-7$gt100`)).toEqual(['weight']);
    // OR across commas.
    expect(await ids('Observation', `code-value-quantity=8480-6$gt100,29463-7$gt100`)).toEqual(['sys-120', 'weight']);
  });

  it('component-code-value-quantity requires code and value on the same component', async () => {
    expect(await ids('Observation', `component-code-value-quantity=${LOINC}|8480-6$gt140`)).toEqual(['bp-high']);
    // bp-swapped has 8480-6 and a value of 160, on different components.
    expect(await ids('Observation', `component-code-value-quantity=${LOINC}|8462-4$gt140`)).toEqual(['bp-swapped']);
    expect(await ids('Observation', `component-code-value-quantity=${LOINC}|8480-6$gt200`)).toEqual([]);
    expect(await ids('Observation', `component-code-value-quantity=${LOINC}|8480-6$lt120`)).toEqual(['bp-swapped']);
    // AND of two composites: each may hold on a different component.
    expect(await ids('Observation', `component-code-value-quantity=8480-6$gt140&component-code-value-quantity=8462-4$lt100`)).toEqual(['bp-high']);
    expect(await ids('Observation', `component-code-value-quantity=8480-6$gt140&component-code-value-quantity=8462-4$gt100`)).toEqual([]);
  });

  it('combo-code-value-quantity looks at the Observation and its components', async () => {
    expect(await ids('Observation', 'combo-code-value-quantity=8480-6$gt115')).toEqual(['bp-high', 'sys-120']);
    expect(await ids('Observation', 'combo-code-value-quantity=8462-4$gt115')).toEqual(['bp-swapped']);
  });

  it('code-value-concept, combo-code-value-concept, code-value-string, code-value-date', async () => {
    expect(await ids('Observation', `code-value-concept=${LOINC}|72166-2$${SNOMED}|77176002`)).toEqual(['smoker']);
    expect(await ids('Observation', `code-value-concept=72166-2$8517006`)).toEqual(['non-smoker']);
    expect(await ids('Observation', `code-value-concept=8480-6$77176002`)).toEqual([]);
    expect(await ids('Observation', `combo-code-value-concept=72166-2$77176002,72166-2$8517006`)).toEqual(['non-smoker', 'smoker']);
    expect(await ids('Observation', 'code-value-string=8251-1$foler')).toEqual(['note']);
    expect(await ids('Observation', 'code-value-string=8251-1$træt')).toEqual([]); // prefix, not contains
    expect(await ids('Observation', 'code-value-date=21112-8$1970')).toEqual(['dated']);
    expect(await ids('Observation', 'code-value-date=21112-8$ge1971')).toEqual([]);
  });

  it('three components, one of them from %resource', async () => {
    expect(await ids('MolecularSequence', 'chromosome-variant-coordinate=1$gt170$lt190')).toEqual(['seq1']);
    // start 120 and end 185 exist, but on different variants.
    expect(await ids('MolecularSequence', 'chromosome-variant-coordinate=1$lt150$gt150')).toEqual([]);
    expect(await ids('MolecularSequence', 'chromosome-variant-coordinate=2$gt170$lt190')).toEqual([]);
    expect(await ids('MolecularSequence', 'chromosome-window-coordinate=1$100$200')).toEqual(['seq1']);
  });

  it(':missing, and invalid values', async () => {
    expect(await ids('Observation', 'component-code-value-quantity:missing=false')).toEqual(['bp-high', 'bp-swapped']);
    expect((await ids('Observation', 'code-value-quantity:missing=true')).length).toBe(6);
    const fails = (q: string) => {
      const query: Record<string, string[]> = {};
      for (const [k, v] of new URLSearchParams(q)) (query[k] ??= []).push(v);
      expect(() => buildSearchPlan(['Observation'], query, { defaultCount: 10, maxCount: 10 })).toThrow(FhirError);
    };
    fails('code-value-quantity=8480-6');
    fails('code-value-quantity=8480-6$gt100$3');
    fails('code-value-quantity=8480-6$abc');
    fails('code-value-quantity:exact=8480-6$100');
  });
});
