import type { CodeableConcept, Consent, Goal, Observation } from '@medplum/fhirtypes';
import { CS, EXT, PROFILE, type Ref } from '../../programmes/model.js';
import { danishDate } from '../../programmes/schedule.js';
import type { Effect } from './effect.js';
import { authorOf } from './status.js';

/*
 * Effects that record clinical facts as their own resources: the patient's consent (Consent), the goals agreed
 * at the clarifying conversation and their review at closing (Goal, referenced from CarePlan.goal), and a new
 * stratum (a stratification Observation, the CarePlan's stratum extension following it).
 */

export const recordConsent: Effect = async ({ ws, now, by }) => {
  const managing = (await ws.episode())?.managingOrganization;
  const consent = ws.create<Consent>({
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: ws.patientRef,
    dateTime: now,
    ...(by && /^(Organization|Patient|Practitioner|PractitionerRole|RelatedPerson)\//.test(by) && { performer: [{ reference: by }] }),
    ...(managing && { organization: [{ reference: managing.reference }] }),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: { type: 'permit', period: { start: now }, data: [{ meaning: 'related', reference: ws.carePlanRef }] },
  });
  (ws.carePlan.supportingInfo ??= []).push({ reference: `Consent/${consent.id}` });
};

export const recordGoals: Effect = async ({ ws, now, by }, { goals }) => {
  for (const text of goals as string[]) {
    const goal = ws.create<Goal>({
      resourceType: 'Goal',
      lifecycleStatus: 'active',
      description: { text },
      subject: ws.patientRef,
      startDate: danishDate(now),
      ...(ws.carePlan.addresses && { addresses: ws.carePlan.addresses.map((a) => ({ reference: a.reference })) }),
      ...(by && /^(Patient|Practitioner|PractitionerRole|RelatedPerson)\//.test(by) && { expressedBy: { reference: by } }),
    });
    (ws.carePlan.goal ??= []).push({ reference: `Goal/${goal.id}` });
  }
};

export const reviewGoals: Effect = async ({ ws, now, by }) => {
  for (const ref of ws.carePlan.goal ?? []) {
    const goal = await ws.load<Goal>(ref.reference);
    if (!goal || goal.lifecycleStatus !== 'active') continue;
    goal.statusDate = danishDate(now);
    (goal.note ??= []).push({ text: 'Reviewed at the closing conversation.', time: now, ...(authorOf(by) && { authorReference: authorOf(by) }) });
    ws.touch(goal);
  }
};

const coded = (system: string, code: string): CodeableConcept => ({ coding: [{ system, code }] });

export const recordStratum: Effect = async ({ ws, now, by }, p) => {
  const plan = ws.carePlan;
  const previous = plan.supportingInfo?.map((r) => r.reference).filter((r) => r?.startsWith('Observation/')).at(-1);
  const component = (code: string, system: string, value: unknown) =>
    value ? [{ code: coded(CS.stratification, code), valueCodeableConcept: coded(system, String(value)) }] : [];
  const observation = ws.create<Observation>({
    resourceType: 'Observation',
    meta: { profile: [PROFILE.stratification] },
    status: 'final',
    code: coded(CS.stratification, 'stratum'),
    subject: ws.patientRef,
    effectiveDateTime: now,
    issued: now,
    ...(by && /^(Practitioner|PractitionerRole|Organization)\//.test(by) && { performer: [{ reference: by } as Ref] }),
    valueCodeableConcept: coded(CS.stratum, String(p.stratum)),
    method: coded(CS.stratificationMethod, String(p.method)),
    ...(p.reason ? { note: [{ text: String(p.reason) }] } : {}),
    ...(previous && { derivedFrom: [{ reference: previous }] }),
    component: [
      ...component('disease-complexity', CS.diseaseComplexity, p.complexity),
      ...component('self-care-ability', CS.selfCareAbility, p.selfCare),
      ...component('severity', CS.severity, p.severity),
    ],
  });
  (plan.supportingInfo ??= []).push({ reference: `Observation/${observation.id}` });
  plan.extension = [...(plan.extension ?? []).filter((e) => e.url !== EXT.stratum), { url: EXT.stratum, valueCodeableConcept: coded(CS.stratum, String(p.stratum)) }];
};
