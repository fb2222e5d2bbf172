import type { Address, CareTeam, Encounter, Organization, Patient, PractitionerRole } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.js';
import { unprocessable } from '../fhir/errors.js';
import { CS, MUNICIPALITY_EXTENSION, SYSTEM, type Ref } from './model.js';
import type { CareActors } from './plan-builder.js';
import { readReference, searchResources } from './store-search.js';

/*
 * Who takes part in the patient's course, read from the store:
 * - tovholder: the tovholder of the patient's active care teams (one per patient across programmes), else
 *   the patient's generalPractitioner (a Practitioner or PractitionerRole before an Organization);
 * - GP practice: an Organization in generalPractitioner, else the GP's PractitionerRole organisation;
 * - municipality: the municipality Organization with the DK-core municipality code of the patient's address;
 * - hospital department: the service provider of the `encounter` parameter, when not the GP practice;
 * - managing organisation: the `organization` parameter, else Patient.managingOrganization, else the practice.
 */

export interface ActorParameters {
  organization?: Ref;
  encounter?: Encounter;
}

const ORGANIZATION_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';

const typeOf = (r: Ref | undefined) => r?.reference?.split('/')[0];

/** The tovholder of the patient's care teams, proposed (awaiting consent) or active (the latest appointed, if teams disagree). */
export async function currentTovholder(ctx: FhirContext, patientId: string, now: string): Promise<CareActors['tovholder']> {
  const teams = await searchResources<CareTeam>(ctx, 'CareTeam', { subject: [`Patient/${patientId}`], status: ['proposed,active'] });
  const tovholders = teams
    .flatMap((t) => t.participant ?? [])
    .filter((p) => p.member && !p.period?.end && p.role?.some((r) => r.coding?.some((c) => c.system === CS.careteamRole && c.code === 'tovholder')));
  tovholders.sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''));
  const found = tovholders[0];
  return found ? { member: { reference: found.member!.reference, ...(found.member!.display && { display: found.member!.display }) }, since: found.period?.start ?? now } : undefined;
}

async function gpPractice(ctx: FhirContext, gps: Ref[]): Promise<Ref | undefined> {
  const org = gps.find((r) => typeOf(r) === 'Organization');
  if (org) return { reference: org.reference };
  for (const r of gps) {
    if (typeOf(r) === 'PractitionerRole') {
      const role = await readReference<PractitionerRole>(ctx, r.reference);
      if (role?.organization?.reference) return { reference: role.organization.reference };
    }
    if (typeOf(r) === 'Practitioner') {
      const roles = await searchResources<PractitionerRole>(ctx, 'PractitionerRole', { practitioner: [r.reference!] }, 10);
      const withOrg = roles.find((x) => x.active !== false && x.organization?.reference);
      if (withOrg) return { reference: withOrg.organization!.reference };
    }
  }
  return undefined;
}

/** The municipality codes (DK-core extension) on addresses. */
function municipalityCodes(addresses: Address[] | undefined): string[] {
  return (addresses ?? [])
    .flatMap((a) => a.extension ?? [])
    .filter((e) => e.url === MUNICIPALITY_EXTENSION)
    .flatMap((e) => e.valueCodeableConcept?.coding ?? [])
    .filter((c) => c.system === SYSTEM.municipality && c.code)
    .map((c) => c.code!);
}

/**
 * The municipality: the government Organization (organization-type `govt`, not part of another, as the
 * reference data has it) whose address carries the patient's municipality code.
 */
async function municipalityOf(ctx: FhirContext, patient: Patient): Promise<Ref | undefined> {
  const codes = municipalityCodes(patient.address);
  if (!codes.length) return undefined;
  // The `municipality` search parameter (fhir-profiles/SearchParameter) indexes the same extension.
  const govt = await searchResources<Organization>(ctx, 'Organization', {
    type: [`${ORGANIZATION_TYPE}|govt`],
    municipality: [codes.map((c) => `${SYSTEM.municipality}|${c}`).join(',')],
    'partof:missing': ['true'],
  });
  const org = govt.find((o) => o.active !== false && !o.partOf && municipalityCodes(o.address).some((c) => codes.includes(c)));
  return org && { reference: `Organization/${org.id}` };
}

export async function resolveActors(ctx: FhirContext, patient: Patient, params: ActorParameters, now: string): Promise<CareActors> {
  const gps = patient.generalPractitioner ?? [];
  const gp = gps.find((r) => typeOf(r) === 'Practitioner' || typeOf(r) === 'PractitionerRole') ?? gps.find((r) => typeOf(r) === 'Organization');
  const existing = await currentTovholder(ctx, patient.id!, now);
  const practice = await gpPractice(ctx, gps);
  const municipality = await municipalityOf(ctx, patient);
  const provider = params.encounter?.serviceProvider?.reference;
  const department = provider && provider !== practice?.reference ? { reference: provider } : undefined;
  const managing = params.organization ?? (patient.managingOrganization?.reference ? { reference: patient.managingOrganization.reference } : practice);
  if (!managing)
    unprocessable(
      'No managing organisation: give the organization parameter, or set Patient.managingOrganization or a GP practice',
      ['Patient.managingOrganization'],
    );
  return {
    tovholder: existing ?? (gp ? { member: { reference: gp.reference }, since: now } : undefined),
    ...(practice && { practice }),
    ...(municipality && { municipality }),
    ...(department && { department }),
    managingOrganization: managing!,
  };
}
