import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type TestServer } from '../support/server.js';

/**
 * Derived parameters over HTTP (search/derived-params.ts): Observation's combo-* parameters have no index rows
 * of their own and are answered from code / component-code, value-quantity / component-value-quantity, … .
 * Each answer below is what the union in the parameter's definition gives.
 */
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const mmHg = (value: number) => ({ value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' });
const loinc = (code: string, display?: string) => ({ coding: [{ system: LOINC, code, ...(display && { display }) }] });

describe('derived search parameters over HTTP', () => {
  let server: TestServer;
  let base: string;
  const search = async (query: string) => {
    const res = await fhirFetch(`${base}/${query}`);
    expect(res.status, res.text).toBe(200);
    return (res.body.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource.id as string);
  };

  beforeAll(async () => {
    server = await startTestServer();
    base = server.base;
    const observations = [
      // A panel: the systolic code and its value only in a component.
      { id: 'bp-panel', code: loinc('85354-9', 'Blood pressure panel'), component: [{ code: loinc('8480-6', 'Systolic blood pressure'), valueQuantity: mmHg(150) }, { code: loinc('8462-4', 'Diastolic blood pressure'), valueQuantity: mmHg(95) }] },
      // A single systolic measurement: code and value on the Observation itself.
      { id: 'sys-only', code: loinc('8480-6', 'Systolic blood pressure'), valueQuantity: mmHg(120) },
      // Diastolic 160 on the Observation, no systolic anywhere.
      { id: 'dia-only', code: loinc('8462-4', 'Diastolic blood pressure'), valueQuantity: mmHg(160) },
      // No value at all.
      { id: 'no-value', code: loinc('2339-0', 'Glucose') },
    ];
    for (const o of observations) {
      const res = await fhirFetch(`${base}/Observation/${o.id}`, { method: 'PUT', body: { resourceType: 'Observation', status: 'final', ...o } });
      expect(res.status, res.text).toBeLessThan(300);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('combo-code finds a code on the Observation or in a component', async () => {
    expect((await search(`Observation?combo-code=${LOINC}|8480-6`)).sort()).toEqual(['bp-panel', 'sys-only']);
    expect((await search('Observation?combo-code=85354-9'))).toEqual(['bp-panel']);
    expect((await search('Observation?combo-code:text=systolic')).sort()).toEqual(['bp-panel', 'sys-only']);
    expect((await search('Observation?combo-code:not=8480-6')).sort()).toEqual(['dia-only', 'no-value']);
  });

  it('combo-value-quantity and combo-code-value-quantity: values of either, the code and value on one element', async () => {
    expect((await search('Observation?combo-value-quantity=gt140')).sort()).toEqual(['bp-panel', 'dia-only']);
    // The panel's 150 is systolic; 160 belongs to a diastolic Observation: code and value on the same element.
    expect(await search(`Observation?combo-code-value-quantity=${LOINC}|8480-6$gt140`)).toEqual(['bp-panel']);
    expect(await search(`Observation?combo-code-value-quantity=${LOINC}|8462-4$gt140`)).toEqual(['dia-only']);
  });

  it(':missing, sorting, counting and searches across types', async () => {
    expect(await search('Observation?combo-value-quantity:missing=true')).toEqual(['no-value']);
    expect((await search('Observation?combo-value-quantity:missing=false')).sort()).toEqual(['bp-panel', 'dia-only', 'sys-only']);
    // Ascending by the lowest code of each: 2339-0, 8462-4 (bp-panel's components, and dia-only), 8480-6.
    const sorted = await search('Observation?_sort=combo-code,_id');
    expect(sorted).toEqual(['no-value', 'bp-panel', 'dia-only', 'sys-only']);
    const counted = await fhirFetch(`${base}/Observation?combo-code=8480-6&_summary=count`);
    expect(counted.body.total).toBe(2);
    expect((await search('?_type=Observation,Condition&combo-code=8480-6')).sort()).toEqual(['bp-panel', 'sys-only']);
  });
});
