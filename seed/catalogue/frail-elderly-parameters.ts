import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { CATALOGUE_DATE, FRAIL_PARAMETER_SYSTEM, PUBLISHER, VERSION, url } from './names.js';
import { sourcesMarkdown, seed, assumption } from './sources.js';
import { pascal } from './build-valuesets.js';
import type { EnrolmentCondition } from './types.js';

/*
 * The frail-elderly programme is not diagnosis-based (seed 003, "Målgruppe"): a patient is included on health,
 * organisational and social parameters, with room for individual professional judgement. Each parameter is
 * patient data: an Observation whose code is from the CodeSystem below (`frail-elderly-parameter`), status
 * final/amended/corrected, valueBoolean true when the parameter applies (false when assessed and absent).
 * Professional judgement is such an Observation too (code `professional-judgement`), with the reason in `note`.
 */

const P = (code: string, display: string, definition: string): CodeSystemConcept => ({ code, display, definition });

const GROUPS: { code: string; display: string; definition: string; concept: CodeSystemConcept[] }[] = [
  {
    code: 'health',
    display: 'Helbredsmæssige forhold',
    definition: 'Health parameters (seed 003, Målgruppe).',
    concept: [
      P('reduced-function', 'Nedsat funktion eller dårlig helbredsstatus', 'Reduced function or poor state of health.'),
      P('severe-chronic-disease', 'Svær, kronisk eller alvorlig sygdom', 'Severe, chronic or serious disease, including dementia, mental illness or terminal illness.'),
      P('medication-follow-up', 'Behov for opfølgning på medicinændringer', 'Needs follow-up on medication changes, e.g. because of polypharmacy.'),
    ],
  },
  {
    code: 'organisational',
    display: 'Organisatoriske problemstillinger',
    definition: 'Organisational parameters (seed 003, Målgruppe).',
    concept: [
      P('readmission', 'Genindlæggelser', 'Readmissions.'),
      P('long-admission', 'Lang indlæggelsestid', 'Long admissions.'),
      P('frequent-cross-sector-contact', 'Tæt og hyppig kontakt med kommune, almen praksis og sygehus', 'Close and frequent contact with municipality, general practice and hospital, needing coordination beyond what the people involved naturally provide.'),
    ],
  },
  {
    code: 'social',
    display: 'Sociale kriterier',
    definition: 'Social parameters: frailty, insecurity and lack of overview of the treatment (seed 003, Målgruppe).',
    concept: [
      P('weak-network', 'Svagt eller intet netværk', 'Weak or no network, living alone.'),
      P('recently-widowed', 'Ægtefælle nyligt død', 'Spouse recently died.'),
      P('limited-self-care', 'Begrænset egenomsorgskapacitet', 'Limited capacity for self-care.'),
      P('substance-abuse', 'Misbrug', 'Substance abuse.'),
      P('cognitive-impairment', 'Nedsat kognitiv funktion', 'Reduced cognitive function.'),
      P('communication-barrier', 'Kommunikationsbarrierer', 'Communication barriers.'),
    ],
  },
];

const JUDGEMENT = P(
  'professional-judgement',
  'Inklusion efter individuelt fagligt skøn',
  'A professional includes the patient by individual judgement although the objective criteria are not met; the reason is written in Observation.note.',
);

const NOT_SELECTABLE = { code: 'notSelectable', valueBoolean: true };

export const FRAIL_PARAMETER_CODES = {
  health: GROUPS[0].concept.map((c) => c.code),
  organisational: GROUPS[1].concept.map((c) => c.code),
  social: GROUPS[2].concept.map((c) => c.code),
  judgement: JUDGEMENT.code,
};

const SOURCES_003 = [seed('003', 'Målgruppe', 'health, organisational and social parameters; room for individual professional judgement')];

export function frailElderlyCodeSystem(): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: 'frail-elderly-parameter',
    url: FRAIL_PARAMETER_SYSTEM,
    version: VERSION,
    name: 'FrailElderlyParameter',
    title: 'Inklusionsparametre for særligt svækkede ældre medicinske patienter',
    status: 'active',
    date: CATALOGUE_DATE,
    publisher: PUBLISHER,
    description:
      'The inclusion parameters of the joint care coordination for particularly frail elderly medical patients, recorded as Observations (code from this system, valueBoolean true when the parameter applies). The three group codes are not selectable.\n\n' +
      sourcesMarkdown(SOURCES_003),
    caseSensitive: true,
    hierarchyMeaning: 'grouped-by',
    content: 'complete',
    property: [{ code: 'notSelectable', uri: 'http://hl7.org/fhir/concept-properties#notSelectable', type: 'boolean' }],
    concept: [...GROUPS.map((g) => ({ ...g, property: [NOT_SELECTABLE] })), JUDGEMENT],
  };
}

function parameterValueSet(id: string, title: string, description: string, codes: string[]): ValueSet {
  return {
    resourceType: 'ValueSet',
    id,
    url: url.valueSet(id),
    version: VERSION,
    name: pascal(id),
    title,
    status: 'active',
    date: CATALOGUE_DATE,
    publisher: PUBLISHER,
    description: `${description}\n\n${sourcesMarkdown(SOURCES_003)}`,
    compose: { include: [{ system: FRAIL_PARAMETER_SYSTEM, concept: codes.map((code) => ({ code })) }] },
  };
}

const ID = {
  inclusion: 'frail-elderly-inclusion',
  health: 'frail-elderly-health',
  organisationalSocial: 'frail-elderly-organisational-social',
  judgement: 'frail-elderly-professional-judgement',
};

export function frailElderlyValueSets(): ValueSet[] {
  const c = FRAIL_PARAMETER_CODES;
  return [
    parameterValueSet(ID.inclusion, 'Inklusionsparametre (alle)', 'Every parameter that can include a patient.', [...c.health, ...c.organisational, ...c.social, c.judgement]),
    parameterValueSet(ID.health, 'Helbredsmæssige parametre', 'The health parameters.', c.health),
    parameterValueSet(ID.organisationalSocial, 'Organisatoriske og sociale parametre', 'The organisational and social parameters.', [...c.organisational, ...c.social]),
    parameterValueSet(ID.judgement, 'Inklusion efter fagligt skøn', 'Inclusion by individual professional judgement.', [c.judgement]),
  ];
}

/** A parameter in the value set is recorded as present (a final Observation with value true). */
function present(valueSetId: string): string {
  return `%observations.where(code.memberOf('${url.valueSet(valueSetId)}') and status in ('final' | 'amended' | 'corrected') and (value as boolean) = true).exists()`;
}

export const FRAIL_ELDERLY_MINIMUM_AGE = 65;

export const FRAIL_ELDERLY_INPUT = { type: 'Observation' as const, valueSet: url.valueSet(ID.inclusion) };

export function frailElderlyConditions(): EnrolmentCondition[] {
  return [
    {
      name: 'inclusion',
      description:
        'The patient has at least one health parameter and one organisational or social parameter recorded, or an inclusion by professional judgement (Observations coded in ' +
        `${FRAIL_PARAMETER_SYSTEM}, value true).`,
      expression: `(${present(ID.health)} and ${present(ID.organisationalSocial)}) or ${present(ID.judgement)}`,
    },
    {
      name: 'age',
      description: `The patient is ${FRAIL_ELDERLY_MINIMUM_AGE} years or older.`,
      expression: `%patient.birthDate <= %today - ${FRAIL_ELDERLY_MINIMUM_AGE} years`,
    },
  ];
}

export const FRAIL_ELDERLY_GROUP_SOURCES = [
  ...SOURCES_003,
  seed('003', 'Målgruppe', 'either the municipality or the hospital identifies and includes the patient'),
  assumption('"elderly" is 65 years or more (seed 003 gives no age); the DOMAIN digest proposes 65+'),
  assumption(
    'the objective criterion is at least one health parameter together with at least one organisational or social parameter ("particularly frail"); seed 003 leaves the specific criteria to the local health agreements',
  ),
];
