import type { ActivityDefinition, Bundle, CarePlan, CareTeam, EpisodeOfCare, Observation, Provenance, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { evaluateEligibility } from '../../src/programmes/eligibility.js';
import { buildApplyBundle, type CareActors } from '../../src/programmes/plan-builder.js';
import { compileProgramme } from '../../src/programmes/programme-compile.js';
import { selectStratum, stratumInputs } from '../../src/programmes/strata.js';
import { fixtureResources } from '../fixtures/programmes/load.js';
import { INCLUSIONS, SKS, condition, fixturePlan, fixtureTerminology, patientData, stratification } from '../fixtures/programmes/patients.js';

const F = 'https://forlob.dk/fhir';
const NOW = '2025-01-31T10:00:00.000Z';
const terminology = fixtureTerminology();
const plan = fixturePlan('fixture-diabetes');
const activities = new Map(
  fixtureResources('fixture-diabetes')
    .filter((r): r is ActivityDefinition => r.resourceType === 'ActivityDefinition')
    .map((a) => [a.url!, a]),
);
const GP: CareActors = {
  tovholder: { member: { reference: 'Practitioner/gp' }, since: NOW },
  practice: { reference: 'Organization/practice' },
  municipality: { reference: 'Organization/ishoj' },
  managingOrganization: { reference: 'Organization/practice' },
};

function build(actors: CareActors, observations: Observation[] = []) {
  const dm = condition(SKS, 'DE119', { id: 'dm' });
  const data = patientData([dm], { observations });
  const compiled = compileProgramme(plan);
  const eligibility = evaluateEligibility(compiled.inclusion, compiled.enrolment, data, terminology);
  const stratum = selectStratum(compiled.strata, data, stratumInputs(data, INCLUSIONS, terminology), terminology);
  let n = 0;
  const bundle = buildApplyBundle({ plan, activities, data, eligibility, stratum, actors, now: NOW, newUrn: () => `urn:uuid:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` });
  const of = <T extends Resource>(type: string) => bundle.entry!.filter((e) => e.resource!.resourceType === type).map((e) => e.resource as T);
  return { bundle, of };
}

/** Every reference value anywhere in a resource. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) k === 'reference' && typeof v === 'string' ? out.push(v) : references(v, out);
  return out;
}

describe('the $apply transaction Bundle', () => {
  it('holds exactly what the contract lists, POSTed, with urn:uuid fullUrls that resolve inside the Bundle', () => {
    const { bundle } = build(GP);
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry!.map((e) => e.resource!.resourceType)).toEqual(['EpisodeOfCare', 'CareTeam', 'Observation', 'CarePlan', 'Task', 'Provenance']);
    const fullUrls = new Set(bundle.entry!.map((e) => e.fullUrl));
    for (const e of bundle.entry!) {
      expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(e.request).toEqual({ method: 'POST', url: e.resource!.resourceType });
      for (const ref of references(e.resource).filter((r) => r.startsWith('urn:'))) expect(fullUrls.has(ref), ref).toBe(true);
    }
  });

  it('stamps the contract profiles', () => {
    const { of } = build(GP);
    expect(of<EpisodeOfCare>('EpisodeOfCare')[0].meta?.profile).toEqual([`${F}/StructureDefinition/forlob-episodeofcare`]);
    expect(of<CareTeam>('CareTeam')[0].meta?.profile).toEqual([`${F}/StructureDefinition/forlob-careteam`]);
    expect(of<CarePlan>('CarePlan')[0].meta?.profile).toEqual([`${F}/StructureDefinition/forlob-careplan`]);
    expect(of<Observation>('Observation')[0].meta?.profile).toEqual([`${F}/StructureDefinition/forlob-stratification`]);
    expect(of<Task>('Task')[0].meta?.profile).toEqual([`${F}/StructureDefinition/forlob-task`]);
  });

  it('enrols: EpisodeOfCare with the programme, the diagnosis, the organisation, the tovholder as care manager', () => {
    const { bundle, of } = build(GP);
    const eoc = of<EpisodeOfCare>('EpisodeOfCare')[0];
    expect(eoc.extension).toEqual([{ url: 'http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-enrolledIn', valueCanonical: `${plan.url}|1.0.0` }]);
    expect(eoc).toMatchObject({
      status: 'planned',
      patient: { reference: 'Patient/p1' },
      diagnosis: [{ condition: { reference: 'Condition/dm' }, rank: 1 }],
      managingOrganization: { reference: 'Organization/practice' },
      careManager: { reference: 'Practitioner/gp' },
      period: { start: NOW },
      team: [{ reference: bundle.entry![1].fullUrl }],
    });
  });

  it('builds the care team: tovholder, practice and municipality, each with a period', () => {
    const team = build(GP).of<CareTeam>('CareTeam')[0];
    const roles = team.participant!.map((p) => [p.role![0].coding![0].code, p.member!.reference, p.period!.start]);
    expect(roles).toEqual([
      ['tovholder', 'Practitioner/gp', NOW],
      ['general-practice', 'Organization/practice', NOW],
      ['municipality', 'Organization/ishoj', NOW],
    ]);
    expect(team.subject).toEqual({ reference: 'Patient/p1' });
  });

  it('plans: pinned canonical, stratum, status history, episode link; first step ordered, later steps scheduled', () => {
    const { bundle, of } = build(GP);
    const cp = of<CarePlan>('CarePlan')[0];
    expect(cp).toMatchObject({ status: 'draft', intent: 'plan', instantiatesCanonical: [`${plan.url}|1.0.0`], subject: { reference: 'Patient/p1' } });
    expect(cp.addresses).toEqual([{ reference: 'Condition/dm' }]);
    expect(cp.careTeam).toEqual([{ reference: bundle.entry![1].fullUrl }]);
    expect(cp.supportingInfo).toEqual([{ reference: bundle.entry![2].fullUrl }]);
    const ext = Object.fromEntries(cp.extension!.map((e) => [e.url.split('/').pop(), e]));
    expect(ext['workflow-episodeOfCare'].valueReference).toEqual({ reference: bundle.entry![0].fullUrl });
    expect(ext['careplan-stratum'].valueCodeableConcept).toEqual({ coding: [{ system: `${F}/CodeSystem/stratum`, code: '1' }] });
    expect(ext['careplan-status-history'].extension).toEqual([{ url: 'status', valueCode: 'draft' }, { url: 'period', valuePeriod: { start: NOW } }]);

    const [first, ...planned] = cp.activity!;
    expect(first.reference).toEqual({ reference: bundle.entry![4].fullUrl });
    const steps = planned.map((a) => [a.detail!.code!.coding![0].code, a.detail!.status, a.detail!.scheduledPeriod?.start ?? a.detail!.scheduledTiming?.repeat?.boundsPeriod?.start]);
    expect(steps).toEqual([
      ['education-session', 'not-started', '2025-01-31'],
      ['closing-conversation', 'not-started', '2025-03-14'],
      ['follow-up-conversation', 'not-started', '2025-06-14'],
      ['annual-control', 'not-started', '2026-01-31'],
      // stratum 1's offer: municipal education after the clarifying conversation
      ['education-session', 'not-started', '2025-01-31'],
    ]);
    expect(planned[0].detail!.kind).toBe('ServiceRequest');
    expect(planned[0].detail!.instantiatesCanonical).toEqual([`${F}/ActivityDefinition/fixture-diabetes-education-session`]);
    expect(planned[0].detail!.performer).toEqual([{ reference: 'Organization/ishoj' }]);
    expect(planned[0].detail!.scheduledTiming!.repeat).toMatchObject({ frequency: 1, period: 1, periodUnit: 'wk', count: 6 });
  });

  it('orders the first step as a Task to the performing organisation, based on the plan, in the episode', () => {
    const { bundle, of } = build(GP);
    const task = of<Task>('Task')[0];
    expect(task).toMatchObject({
      status: 'draft',
      intent: 'order',
      instantiatesCanonical: `${F}/ActivityDefinition/fixture-diabetes-clarifying-conversation`,
      basedOn: [{ reference: bundle.entry![3].fullUrl }],
      for: { reference: 'Patient/p1' },
      owner: { reference: 'Organization/ishoj' },
      authoredOn: NOW,
    });
    expect(task.code!.coding).toEqual([{ system: `${F}/CodeSystem/activity-type`, code: 'clarifying-conversation' }]);
    expect(task.performerType).toEqual([{ coding: [{ system: `${F}/CodeSystem/sector`, code: 'municipality' }] }]);
    expect(task.extension).toEqual([{ url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: bundle.entry![0].fullUrl } }]);
  });

  it('records the computed stratification and a Provenance for everything', () => {
    const { bundle, of } = build(GP);
    const obs = of<Observation>('Observation')[0];
    expect(obs.valueCodeableConcept).toEqual({ coding: [{ system: `${F}/CodeSystem/stratum`, code: '1' }] });
    expect(obs.method).toEqual({ coding: [{ system: `${F}/CodeSystem/stratification-method`, code: 'computed' }] });
    expect(obs.component!.map((c) => [c.code.coding![0].code, c.valueCodeableConcept!.coding![0].code])).toEqual([
      ['disease-complexity', 'low'],
      ['self-care-ability', 'good'],
    ]);
    const prov = of<Provenance>('Provenance')[0];
    expect(prov.target.map((t) => t.reference)).toEqual(bundle.entry!.slice(0, -1).map((e) => e.fullUrl));
    expect(prov.activity!.coding![0].code).toBe('CREATE');
    expect(prov.reason![0].coding).toEqual([{ system: `${F}/CodeSystem/programme`, code: 'diabetes-type-2' }]);
  });

  it('without a tovholder: no tovholder in the team, and a Task to the managing organisation to appoint one', () => {
    const { of } = build({ managingOrganization: { reference: 'Organization/region' } });
    expect(of<CareTeam>('CareTeam')[0].participant).toBeUndefined();
    expect(of<EpisodeOfCare>('EpisodeOfCare')[0].careManager).toBeUndefined();
    const appoint = of<Task>('Task').find((t) => t.code?.coding?.[0].code === 'appoint-tovholder')!;
    expect(appoint).toMatchObject({ status: 'requested', intent: 'order', owner: { reference: 'Organization/region' } });
  });

  it('stratum 4 allocates a care coordinator now: a Task for the hospital department', () => {
    const actors = { ...GP, department: { reference: 'Organization/dept' } };
    const { of } = build(actors, [stratification('2024-06-01', { complexity: 'high', selfCare: 'low' })]);
    const tasks = of<Task>('Task').map((t) => [t.code!.coding![0].code, t.owner?.reference]);
    expect(tasks).toEqual([
      ['clarifying-conversation', 'Organization/ishoj'],
      ['appoint-care-coordinator', 'Organization/dept'],
    ]);
    const obs = of<Observation>('Observation')[0];
    expect(obs.valueCodeableConcept!.coding![0].code).toBe('4');
    expect(obs.derivedFrom).toHaveLength(1);
    expect(of<ServiceRequest>('ServiceRequest')).toEqual([]);
  });

  it('is deterministic for the same input', () => {
    const a: Bundle = build(GP).bundle;
    const b: Bundle = build(GP).bundle;
    expect(a).toEqual(b);
  });
});
