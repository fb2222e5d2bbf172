import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirFetch, startTestServer, type FhirResult, type TestServer } from '../support/server.js';

/**
 * The search endpoint as a FHIR client sees it: includes, result shaping, paging links, POST
 * _search, system and compartment search, unknown-parameter handling, custom SearchParameters.
 */
describe('search over HTTP', () => {
  let server: TestServer;
  let base: string;
  const put = async (resource: Record<string, any>) => {
    const res = await fhirFetch(`${base}/${resource.resourceType}/${resource.id}`, { method: 'PUT', body: resource });
    expect(res.status, res.text).toBeLessThan(300);
    return res.body;
  };
  const get = (path: string, headers: Record<string, string> = {}) => fhirFetch(`${base}/${path}`, { headers });
  const ids = (bundle: any, mode = 'match') =>
    (bundle.entry ?? []).filter((e: any) => e.search?.mode === mode).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);

  beforeAll(async () => {
    server = await startTestServer();
    base = server.base;
    await put({ resourceType: 'Organization', id: 'gp-aabenraa', name: 'Lægerne i Åbenrå', identifier: [{ system: 'urn:oid:1.2.208.176.1.1', value: '123456' }] });
    await put({ resourceType: 'Practitioner', id: 'doc1', name: [{ family: 'Holm' }] });
    await put({
      resourceType: 'Patient', id: 'karen', name: [{ family: 'Sørensen', given: ['Karen'] }], gender: 'female', birthDate: '1950-03-01',
      identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: '0103504321' }],
      generalPractitioner: [{ reference: 'Organization/gp-aabenraa' }],
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Karen Sørensen</div>' },
    });
    await put({ resourceType: 'Patient', id: 'jens', name: [{ family: 'Jensen', given: ['Jens'] }], gender: 'male', birthDate: '1961' });
    for (const [id, subject, code] of [
      ['c1', 'karen', 'E11.9'],
      ['c2', 'karen', 'J44.1'],
      ['c3', 'jens', 'E11.9'],
    ])
      await put({
        resourceType: 'Condition', id, subject: { reference: `Patient/${subject}` }, asserter: { reference: 'Practitioner/doc1' },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] },
      });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('adds _include targets once, marked include, and follows :iterate', async () => {
    const res = await get('Condition?subject=Patient/karen&_include=Condition:subject&_include:iterate=Patient:general-practitioner');
    expect(res.status).toBe(200);
    expect(ids(res.body).sort()).toEqual(['Condition/c1', 'Condition/c2']);
    expect(ids(res.body, 'include').sort()).toEqual(['Organization/gp-aabenraa', 'Patient/karen']);
    expect(res.body.total).toBe(2);
  });

  it('limits _include to the target type given', async () => {
    const res = await get('Condition?code=E11.9&_include=Condition:asserter:Patient');
    expect(ids(res.body, 'include')).toEqual([]);
    const all = await get('Condition?code=E11.9&_include=Condition:*');
    expect(ids(all.body, 'include').sort()).toEqual(['Patient/jens', 'Patient/karen', 'Practitioner/doc1']);
  });

  it('adds _revinclude sources', async () => {
    const res = await get('Patient?_id=karen&_revinclude=Condition:subject');
    expect(ids(res.body)).toEqual(['Patient/karen']);
    expect(ids(res.body, 'include').sort()).toEqual(['Condition/c1', 'Condition/c2']);
  });

  it('shapes results with _summary and _elements, tagging them SUBSETTED', async () => {
    const summary = await get('Patient?_id=karen&_summary=true');
    const karen = summary.body.entry[0].resource;
    expect(karen.name[0].family).toBe('Sørensen');
    expect(karen.text).toBeUndefined();
    expect(karen.generalPractitioner).toBeUndefined();
    expect(karen.meta.tag.map((t: any) => t.code)).toContain('SUBSETTED');

    const text = await get('Patient?_id=karen&_summary=text');
    expect(Object.keys(text.body.entry[0].resource).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);

    const data = await get('Patient?_id=karen&_summary=data');
    expect(data.body.entry[0].resource.text).toBeUndefined();
    expect(data.body.entry[0].resource.generalPractitioner).toHaveLength(1);

    const count = await get('Condition?_summary=count');
    expect(count.body.total).toBe(3);
    expect(count.body.entry).toBeUndefined();

    const elements = await get('Patient?_id=karen&_elements=birthDate');
    expect(Object.keys(elements.body.entry[0].resource).sort()).toEqual(['birthDate', 'id', 'meta', 'resourceType']);
  });

  it('reports unknown parameters in an outcome entry, or refuses them with handling=strict', async () => {
    const lenient = await get('Patient?foo=bar&gender=female');
    expect(ids(lenient.body)).toEqual(['Patient/karen']);
    const outcome = lenient.body.entry.find((e: any) => e.search.mode === 'outcome');
    expect(outcome.resource.issue[0].diagnostics).toContain('foo');
    const strict = await get('Patient?foo=bar', { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
  });

  it('gives Bundle.total when asked, or when the first page holds every match', async () => {
    const complete = await get('Condition?code=E11.9');
    expect(complete.body.total).toBe(2);
    const partial = await get('Condition?_count=1');
    expect(partial.body.total).toBeUndefined();
    expect(partial.body.link.some((l: any) => l.relation === 'next')).toBe(true);
    const asked = await get('Condition?_count=1&_total=accurate');
    expect(asked.body.total).toBe(3);
    const none = await get('Condition?_count=0');
    expect(none.body.total).toBeUndefined();
    expect(none.body.entry).toBeUndefined();
  });

  it('searches with POST _search and a form body', async () => {
    const res = await fhirFetch(`${base}/Patient/_search`, {
      method: 'POST',
      rawBody: 'name=sorensen&birthdate=1950',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(['Patient/karen']);
  });

  it('searches across types with _type and within the Patient compartment', async () => {
    const system = await get('?_type=Patient,Organization&_count=50');
    expect(ids(system.body).sort()).toEqual(['Organization/gp-aabenraa', 'Patient/jens', 'Patient/karen']);
    const compartment = await get('Patient/karen/Condition?code=E11.9');
    expect(ids(compartment.body)).toEqual(['Condition/c1']);
    const unknownType = await get('?_type=Nonsense');
    expect(unknownType.status).toBe(400);
  });

  it('pages with next/previous links that neither repeat nor skip while others write', async () => {
    const family = `Paging${Date.now()}`;
    for (let i = 0; i < 25; i++)
      await put({ resourceType: 'Patient', id: `page-${i}`, name: [{ family, given: [`G${String(i).padStart(2, '0')}`] }] });
    const seen: string[] = [];
    let url: string | undefined = `${base}/Patient?family=${family}&_count=10`;
    let pages = 0;
    while (url) {
      const res: FhirResult = await fhirFetch(url);
      expect(res.status, res.text).toBe(200);
      seen.push(...ids(res.body));
      pages++;
      if (pages === 1) {
        // Between pages: delete one already seen, add a new one, update one not yet seen.
        await fhirFetch(`${base}/Patient/page-0`, { method: 'DELETE' });
        await put({ resourceType: 'Patient', id: 'page-new', name: [{ family }] });
        await put({ resourceType: 'Patient', id: 'page-20', name: [{ family, given: ['updated'] }] });
      }
      const next: { url: string } | undefined = res.body.link.find((l: any) => l.relation === "next");
      if (pages === 2) {
        const previous = res.body.link.find((l: any) => l.relation === 'previous');
        expect(previous).toBeDefined();
        const back = await fhirFetch(previous.url);
        expect(ids(back.body)).toEqual(seen.slice(1, 10)); // page 1 without the deleted page-0
      }
      url = next?.url;
      expect(pages).toBeLessThan(10);
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (let i = 0; i < 25; i++) expect(seen).toContain(`Patient/page-${i}`);
    expect(pages).toBe(3);
  });

  it('uses an uploaded SearchParameter for new and existing resources', async () => {
    await put({ resourceType: 'Patient', id: 'with-district', address: [{ district: 'Aabenraa Kommune' }] });
    await put({
      resourceType: 'SearchParameter', id: 'patient-district', url: 'https://forlob.example/fhir/SearchParameter/patient-district',
      name: 'district', status: 'active', description: 'Municipality (address.district)', code: 'district', base: ['Patient'],
      type: 'string', expression: 'Patient.address.district',
    });
    await put({ resourceType: 'Patient', id: 'new-district', address: [{ district: 'Åbenrå Kommune' }] });
    let found: string[] = [];
    for (let i = 0; i < 50 && found.length < 2; i++) {
      const res = await get('Patient?district=abenra');
      expect(res.status).toBe(200);
      found = ids(res.body).sort();
      if (found.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found).toEqual(['Patient/new-district', 'Patient/with-district']);
    const metadata = await get('metadata');
    const patient = metadata.body.rest[0].resource.find((r: any) => r.type === 'Patient');
    expect(patient.searchParam.map((p: any) => p.name)).toContain('district');
  });

  it('refuses an active SearchParameter whose expression does not compile', async () => {
    const res = await fhirFetch(`${base}/SearchParameter`, {
      method: 'POST',
      body: {
        resourceType: 'SearchParameter', url: 'https://forlob.example/fhir/SearchParameter/broken', name: 'broken', status: 'active',
        description: 'broken', code: 'broken', base: ['Patient'], type: 'string', expression: 'Patient.name.where(',
      },
    });
    expect(res.status).toBe(422);
  });
});
