import type { Address, Organization, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { CS, MUNICIPALITY_EXTENSION, SYSTEM } from '../../src/programmes/model.js';
import { concept } from '../catalogue/names.js';
import { authorisation, sor, SYNTHETIC, ydernummer, type SorKind } from './identifiers.js';
import { departmentOrgId, municipalityOrgId, PEOPLE, PRACTICES, type PersonData } from './people.js';
import { HOSPITALS, MUNICIPAL_UNITS, MUNICIPALITIES, REGIONS, type RegionCode } from './places.js';

/*
 * The reference data as FHIR: Organizations (regions, municipalities, a municipal unit, hospitals and their
 * departments via partOf, general practices), Practitioners and their PractitionerRoles. Pure and deterministic.
 */

export const REGION_EXTENSION = 'http://hl7.dk/fhir/core/StructureDefinition/dk-core-RegionalSubDivisionCodes';
export const REGION_SYSTEM = 'http://hl7.dk/fhir/core/CodeSystem/dk-core-regional-subdivision-codes';
export const FORLOB_ORGANIZATION = 'https://forlob.dk/fhir/StructureDefinition/forlob-organization';
const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
const PRACTITIONER_ROLE = 'http://terminology.hl7.org/CodeSystem/practitioner-role';

const municipality = (code: string) => MUNICIPALITIES.find((m) => m.code === code);

/** A Danish address: city, postal code, and DK-core's municipality and region codes where known. */
export function danishAddress(city: string, municipalityCode?: string, region?: RegionCode, postalCode?: string): Address {
  const m = municipalityCode ? municipality(municipalityCode) : undefined;
  const extension = [
    ...(municipalityCode ? [{ url: MUNICIPALITY_EXTENSION, valueCodeableConcept: concept(SYSTEM.municipality, municipalityCode, m?.name) }] : []),
    ...(region ? [{ url: REGION_EXTENSION, valueCodeableConcept: concept(REGION_SYSTEM, region) }] : []),
  ];
  return {
    ...(extension.length && { extension }),
    use: 'work',
    city,
    ...((postalCode ?? m?.postalCode) && { postalCode: postalCode ?? m?.postalCode }),
    country: 'DK',
  };
}

function organization(
  id: string,
  kind: SorKind,
  n: number,
  name: string,
  type: 'govt' | 'prov' | 'dept',
  address: Address,
  extra: Partial<Organization> = {},
): Organization {
  return {
    resourceType: 'Organization',
    id,
    meta: { profile: [FORLOB_ORGANIZATION], security: [SYNTHETIC] },
    identifier: [sor(kind, n), ...(extra.identifier ?? [])],
    active: true,
    type: [concept(ORG_TYPE, type)],
    name,
    address: [address],
    ...(extra.partOf && { partOf: extra.partOf }),
  };
}

const regionOf = (code: RegionCode) => REGIONS.find((r) => r.code === code)!;

export function buildOrganizations(): Organization[] {
  const out: Organization[] = [];
  REGIONS.forEach((r, i) => out.push(organization(r.id, 'region', i + 1, r.name, 'govt', danishAddress(r.city, undefined, r.code))));
  MUNICIPALITIES.forEach((m, i) =>
    out.push(
      organization(municipalityOrgId(m.code), 'municipality', i + 1, `${m.name} Kommune`, 'govt', danishAddress(m.name, m.code, m.region))),
  );
  MUNICIPAL_UNITS.forEach((u, i) => {
    const m = municipality(u.municipality)!;
    out.push(
      organization(u.id, 'municipalUnit', i + 1, u.name, 'govt', danishAddress(m.name, m.code, m.region), {
        partOf: { reference: `Organization/${municipalityOrgId(m.code)}` },
      }),
    );
  });
  let dept = 0;
  HOSPITALS.forEach((h, i) => {
    out.push(organization(h.id, 'hospital', i + 1, h.name, 'prov', danishAddress(h.city, h.municipality, h.region), { partOf: { reference: `Organization/${regionOf(h.region).id}` } }));
    for (const d of h.departments) {
      out.push(
        organization(departmentOrgId(h.id, d.key), 'department', ++dept, `${h.name}, ${d.name}`, 'dept', danishAddress(h.city, h.municipality, h.region), {
          partOf: { reference: `Organization/${h.id}` },
        }),
      );
    }
  });
  PRACTICES.forEach((p, i) => {
    const m = municipality(p.municipality)!;
    out.push(organization(p.id, 'practice', i + 1, p.name, 'prov', danishAddress(m.name, m.code, m.region), { identifier: [ydernummer(p.ydernummer)] }));
  });
  return out;
}

const ROLE = {
  gp: { code: [concept(PRACTITIONER_ROLE, 'doctor', 'Doctor')], specialty: [{ text: 'Almen medicin' }], title: 'Praktiserende læge' },
  nurse: { code: [concept(PRACTITIONER_ROLE, 'nurse', 'Nurse')], specialty: [], title: 'Sygeplejerske' },
  coordinator: { code: [concept(PRACTITIONER_ROLE, 'nurse', 'Nurse'), concept(CS.careteamRole, 'care-coordinator', 'Forløbskoordinator')], specialty: [], title: 'Forløbskoordinator' },
} as const;

function practitioner(p: PersonData, i: number): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: p.id,
    meta: { security: [SYNTHETIC] },
    identifier: [authorisation(i + 1)],
    active: true,
    name: [{ family: p.family, given: [p.given], ...(p.kind === 'gp' && { prefix: ['Læge'] }) }],
    gender: p.gender,
  };
}

function practitionerRole(p: PersonData): PractitionerRole {
  const role = ROLE[p.kind];
  return {
    resourceType: 'PractitionerRole',
    id: `role-${p.id}`,
    meta: { security: [SYNTHETIC] },
    active: true,
    practitioner: { reference: `Practitioner/${p.id}` },
    organization: { reference: `Organization/${p.organization}` },
    code: role.code.map((c, i) => (i === 0 ? { ...c, text: role.title } : { ...c })),
    ...(role.specialty.length && { specialty: [...role.specialty] }),
  };
}

/** Every reference resource, organisations first. */
export function buildReferenceData(): Resource[] {
  return [...buildOrganizations(), ...PEOPLE.map(practitioner), ...PEOPLE.map(practitionerRole)];
}
