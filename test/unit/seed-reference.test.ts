import type { Organization, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReferenceData, REGION_EXTENSION, REGION_SYSTEM } from '../../seed/reference/build-reference.js';
import { IDENTIFIER_SYSTEM } from '../../seed/reference/identifiers.js';
import { MUNICIPALITY_EXTENSION, SYSTEM } from '../../src/programmes/model.js';
import { Validator } from '../../src/validation/validator.js';
import { learnProjectProfiles } from './seed-support.js';

/** The reference organisations and practitioners (seed/reference): DK-core codes and well-formed identifiers. */

const data = buildReferenceData();
const orgs = data.filter((r): r is Organization => r.resourceType === 'Organization');
const practitioners = data.filter((r): r is Practitioner => r.resourceType === 'Practitioner');
const roles = data.filter((r): r is PractitionerRole => r.resourceType === 'PractitionerRole');
const ext = (o: Organization, url: string) => o.address?.[0]?.extension?.find((e) => e.url === url)?.valueCodeableConcept?.coding?.[0];
const org = (id: string) => orgs.find((o) => o.id === id);
const typeOf = (o: Organization) => o.type?.[0]?.coding?.[0]?.code;

describe('reference organisations', () => {
  it('has the five regions with their DK-core region codes', () => {
    const regions = orgs.filter((o) => o.id!.startsWith('region-'));
    expect(regions.map((r) => ext(r, REGION_EXTENSION)?.code).sort()).toEqual(['DK-81', 'DK-82', 'DK-83', 'DK-84', 'DK-85']);
    for (const r of regions) expect(ext(r, REGION_EXTENSION)?.system).toBe(REGION_SYSTEM);
  });

  it('has twelve municipalities with DK-core municipality codes, Ishøj, Vallensbæk, Aarhus and Hjørring among them', () => {
    const municipalities = orgs.filter((o) => o.id!.startsWith('municipality-'));
    expect(municipalities).toHaveLength(12);
    const codes = municipalities.map((m) => ext(m, MUNICIPALITY_EXTENSION));
    for (const c of codes) {
      expect(c?.system).toBe(SYSTEM.municipality);
      expect(c?.code).toMatch(/^\d{4}$/);
    }
    const named = Object.fromEntries(codes.map((c) => [c!.display, c!.code]));
    expect(named).toMatchObject({ Ishøj: '0183', Vallensbæk: '0187', Aarhus: '0751', Hjørring: '0860' });
  });

  it('gives every organisation one official, synthetic SOR id of at least 11 digits, unique', () => {
    const values = orgs.map((o) => {
      const sor = o.identifier!.filter((i) => i.system === IDENTIFIER_SYSTEM.sor);
      expect(sor, o.id).toHaveLength(1);
      expect(sor[0].use).toBe('official');
      expect(sor[0].value).toMatch(/^\d{11,}$/);
      return sor[0].value;
    });
    expect(new Set(values).size).toBe(orgs.length);
    for (const r of data) expect(r.meta?.security?.[0]?.code, `${r.resourceType}/${r.id}`).toBe('HTEST');
  });

  it('links departments to hospitals and hospitals to regions with partOf', () => {
    const departments = orgs.filter((o) => typeOf(o) === 'dept');
    expect(departments.length).toBeGreaterThanOrEqual(12);
    for (const d of departments) {
      const hospital = org(d.partOf!.reference!.replace('Organization/', ''));
      expect(hospital && typeOf(hospital), d.id).toBe('prov');
      expect(hospital!.partOf?.reference).toMatch(/^Organization\/region-/);
      expect(org(hospital!.partOf!.reference!.replace('Organization/', ''))).toBeDefined();
    }
  });

  it('gives general practices a 6-digit ydernummer (urn:oid:1.2.208.176.1.4)', () => {
    const practices = orgs.filter((o) => o.id!.startsWith('gp-practice-'));
    expect(practices).toHaveLength(12);
    for (const p of practices) expect(p.identifier!.find((i) => i.system === IDENTIFIER_SYSTEM.ydernummer)?.value).toMatch(/^\d{6}$/);
  });
});

describe('practitioners and roles', () => {
  it('has GPs, nurses and care coordinators, each with a well-formed authorisation id', () => {
    const kind = (code: string) => roles.filter((r) => r.code?.some((c) => c.coding?.some((x) => x.code === code))).length;
    expect(kind('doctor')).toBe(24);
    expect(kind('care-coordinator')).toBeGreaterThanOrEqual(12);
    expect(kind('nurse')).toBeGreaterThanOrEqual(12);
    const ids = practitioners.map((p) => p.identifier?.find((i) => i.system === IDENTIFIER_SYSTEM.authorisation)?.value);
    for (const id of ids) expect(id).toMatch(/^[BCDFGHJKLMNPQRSTVWXYZ0-9]{5}$/);
    expect(new Set(ids).size).toBe(practitioners.length);
  });

  it('points every role at a seeded practitioner and organisation', () => {
    const has = (ref: string | undefined) => data.some((r) => `${r.resourceType}/${r.id}` === ref);
    for (const r of roles) {
      expect(has(r.practitioner?.reference), r.id).toBe(true);
      expect(has(r.organization?.reference), r.id).toBe(true);
    }
    expect(roles).toHaveLength(practitioners.length);
  });
});

describe('validity', () => {
  let validator: Validator;
  beforeAll(() => {
    validator = new Validator();
    learnProjectProfiles(validator);
  });

  it('validates every reference resource without errors', () => {
    const failures = data
      .map((r: Resource) => ({ r: `${r.resourceType}/${r.id}`, errors: validator.validate(r).filter((i) => i.severity === 'error' || i.severity === 'fatal') }))
      .filter((f) => f.errors.length);
    expect(failures).toEqual([]);
  });
});
