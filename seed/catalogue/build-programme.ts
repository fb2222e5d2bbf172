import type { ActivityDefinition, PlanDefinition, PlanDefinitionAction, PlanDefinitionGoal, ValueSet } from '@medplum/fhirtypes';
import { CATALOGUE_DATE, CS, PUBLISHER, TERMINOLOGY, VERSION, concept, url } from './names.js';
import { relatedArtifact, sourcesMarkdown, type Source } from './sources.js';
import { activityDefinition, activityId, actionTiming } from './build-activities.js';
import { diagnosisValueSet } from './build-valuesets.js';
import type { ActionSpec, ActivitySpec, EnrolmentCondition, GoalSpec, ProgrammeSpec, StratificationSpec } from './types.js';

/*
 * The one builder: a ProgrammeSpec → its PlanDefinition (docs/PROGRAMME-MODEL.md: actions `enrolment`,
 * `stratification`, `course`; goals as monitoring indicators), its inclusion/exclusion ValueSets and its own
 * ActivityDefinitions. Shared activities are returned as specs, built once for the whole catalogue.
 */

export interface BuiltProgramme {
  planDefinition: PlanDefinition;
  valueSets: ValueSet[];
  activityDefinitions: ActivityDefinition[];
  sharedActivities: ActivitySpec[];
}

const FHIRPATH = 'text/fhirpath';
const UNIT_NAMES = { wk: 'weeks', mo: 'months', a: 'years' } as const;
const ASPECT_TEXT = {
  'patient-experienced': 'Patient-experienced quality (patientoplevet kvalitet)',
  clinical: 'Clinical quality (klinisk kvalitet)',
  organisational: 'Organisational quality (organisatorisk kvalitet)',
} as const;

export function buildProgramme(spec: ProgrammeSpec): BuiltProgramme {
  const enrolment = enrolmentAction(spec);
  const activities = new Map<string, { spec: ActivitySpec; action: ActionSpec }>();
  const toAction = (a: ActionSpec, id: string) => {
    activities.set(activityId(spec.id, a.activity), { spec: a.activity, action: a });
    return stepAction(spec, a, id);
  };
  const stratification = stratificationAction(spec.stratification, (a, n) => toAction(a, `stratum-${n}-${a.activity.code}`));
  const course: PlanDefinitionAction = {
    id: 'course',
    title: 'Forløbets trin',
    description: spec.course.description,
    documentation: spec.course.sources.map(relatedArtifact),
    action: spec.course.steps.map((s) => toAction(s, s.activity.code)),
  };
  const allSources = dedupe([
    ...spec.sources,
    ...groupSources(spec),
    ...spec.stratification.sources,
    ...spec.course.sources,
    ...spec.goals.flatMap((g) => g.sources),
  ]);
  const planDefinition: PlanDefinition = {
    resourceType: 'PlanDefinition',
    id: spec.id,
    url: url.planDefinition(spec.id),
    version: VERSION,
    name: spec.name,
    title: spec.title,
    type: concept(TERMINOLOGY.planDefinitionType, 'clinical-protocol', 'Clinical Protocol'),
    status: 'active',
    date: CATALOGUE_DATE,
    publisher: PUBLISHER,
    description: `${spec.description}\n\n${spec.regions}\n\n${sourcesMarkdown(allSources)}`,
    jurisdiction: [concept(TERMINOLOGY.iso3166, 'DK', 'Denmark')],
    topic: [concept(CS.programme, spec.id, spec.title)],
    relatedArtifact: allSources.map(relatedArtifact),
    goal: spec.goals.map(goal),
    action: [enrolment.action, stratification, course],
  };
  const own = [...activities].filter(([, a]) => !a.spec.shared);
  return {
    planDefinition,
    valueSets: enrolment.valueSets,
    activityDefinitions: own.map(([id, a]) => activityDefinition(id, a.spec, spec.id, actionTiming(a.action))),
    sharedActivities: [...activities.values()].filter((a) => a.spec.shared).map((a) => a.spec),
  };
}

function groupSources(spec: ProgrammeSpec): Source[] {
  const g = spec.patientGroup;
  if (g.kind === 'custom') return g.sources;
  return [...g.inclusion.sources, ...(g.exclusion?.sources ?? []), ...g.minimumAge.sources];
}

/** The `enrolment` action (action[0]) and the value sets its conditions name. */
function enrolmentAction(spec: ProgrammeSpec): { action: PlanDefinitionAction; valueSets: ValueSet[] } {
  const g = spec.patientGroup;
  let conditions: EnrolmentCondition[];
  let valueSets: ValueSet[];
  let input: { type: 'Condition' | 'Observation'; valueSet: string };
  if (g.kind === 'custom') {
    ({ conditions, valueSets, input } = g);
  } else {
    const inclusion = diagnosisValueSet({
      id: `${spec.id}-inclusion`,
      title: `Inklusionsdiagnoser: ${spec.title}`,
      description: `Diagnoses that include a patient in the programme: ${g.inclusion.description}.`,
      codes: g.inclusion,
      sources: g.inclusion.sources,
    });
    const exclusion =
      g.exclusion &&
      diagnosisValueSet({
        id: `${spec.id}-exclusion`,
        title: `Eksklusionsdiagnoser: ${spec.title}`,
        description: `Diagnoses that exclude a patient from the programme: ${g.exclusion.description}.`,
        codes: g.exclusion,
        sources: g.exclusion.sources,
      });
    valueSets = exclusion ? [inclusion, exclusion] : [inclusion];
    input = { type: 'Condition', valueSet: inclusion.url! };
    conditions = [
      {
        name: 'inclusion',
        description: `The patient has an active diagnosis of ${g.inclusion.description} (${inclusion.url}).`,
        expression: `%conditions.where(code.memberOf('${inclusion.url}')).exists()`,
      },
      ...(exclusion
        ? [
            {
              name: 'exclusion-diagnosis',
              description: `The patient has no diagnosis that excludes from the programme: ${g.exclusion!.description} (${exclusion.url}).`,
              expression: `%conditions.where(code.memberOf('${exclusion.url}')).empty()`,
            },
          ]
        : []),
      {
        name: 'age',
        description: `The patient is ${g.minimumAge.years} years or older.`,
        expression: `%patient.birthDate <= %today - ${g.minimumAge.years} years`,
      },
    ];
  }
  return {
    valueSets,
    action: {
      id: 'enrolment',
      title: 'Inklusion i forløbsprogrammet',
      description: 'Every condition must hold for the patient to be enrolled.',
      code: [concept(CS.activityType, 'enrolment')],
      documentation: groupSources(spec).map(relatedArtifact),
      input: [{ type: input.type, codeFilter: [{ path: 'code', valueSet: input.valueSet }] }],
      condition: conditions.map((c) => ({
        kind: 'applicability' as const,
        expression: { name: c.name, description: c.description, language: FHIRPATH, expression: c.expression },
      })),
    },
  };
}

const STRATUM_RULES = [
  { when: (h: string, l: string) => `(${h}).not() and (${l}).not()`, text: 'low disease complexity and good self-care ability' },
  { when: (h: string, l: string) => `(${h}).not() and (${l})`, text: 'low disease complexity and low self-care ability' },
  { when: (h: string, l: string) => `(${h}) and (${l}).not()`, text: 'high disease complexity and good self-care ability' },
];

/**
 * Strata 1–4 in order, first match wins: 1–3 carry a condition, 4 (high complexity, low self-care) is the
 * default. `~` (equivalence) is false against an empty value, so a missing input never matches "high"/"low".
 */
function stratificationAction(spec: StratificationSpec, toAction: (a: ActionSpec, stratum: number) => PlanDefinitionAction): PlanDefinitionAction {
  const high = spec.highComplexity ?? "%complexity ~ 'high'";
  const low = spec.lowSelfCare ?? "%selfCare ~ 'low'";
  return {
    id: 'stratification',
    title: 'Stratificering',
    description: `${spec.description} Strata are tried in order and the first whose condition holds applies; stratum 4 (high disease complexity and low self-care ability) has no condition and is the default. High complexity here means: ${high}. Low self-care ability means: ${low}.`,
    code: [concept(CS.activityType, 'stratification')],
    selectionBehavior: 'exactly-one',
    documentation: spec.sources.map(relatedArtifact),
    action: spec.strata.map((s, i) => {
      const n = i + 1;
      const rule = STRATUM_RULES[i];
      return {
        id: `stratum-${n}`,
        title: s.title,
        description: s.description,
        code: [concept(CS.stratum, String(n))],
        ...(rule && {
          condition: [
            {
              kind: 'applicability' as const,
              expression: { name: `stratum-${n}`, description: `Stratum ${n}: ${rule.text}.`, language: FHIRPATH, expression: rule.when(high, low) },
            },
          ],
        }),
        action: s.offers.map((o) => toAction(o, n)),
      };
    }),
  };
}

/** A course step or stratum offer: its ActivityDefinition, sector, timing and place in the order. */
function stepAction(spec: ProgrammeSpec, a: ActionSpec, id: string): PlanDefinitionAction {
  const sector = a.sector ?? a.activity.sector;
  const timing = actionTiming(a);
  return {
    id,
    title: a.activity.title,
    code: [concept(CS.activityType, a.activity.code)],
    definitionCanonical: url.activityDefinition(activityId(spec.id, a.activity)),
    ...(sector && { participant: [{ type: 'practitioner' as const, role: concept(CS.sector, sector) }] }),
    ...(timing && { timingTiming: timing }),
    ...(a.after && {
      relatedAction: [
        {
          actionId: a.after.step,
          relationship: a.after.fromStart ? ('after-start' as const) : ('after-end' as const),
          ...(a.after.offset && {
            offsetDuration: {
              value: a.after.offset.value,
              unit: UNIT_NAMES[a.after.offset.unit],
              system: TERMINOLOGY.ucum,
              code: a.after.offset.unit,
            },
          }),
        },
      ],
    }),
  };
}

function goal(g: GoalSpec): PlanDefinitionGoal {
  const detail = g.target?.detail;
  return {
    category: { text: ASPECT_TEXT[g.aspect] },
    description: { text: g.description },
    ...(g.target && {
      target: [
        {
          measure: g.target.measure,
          ...(detail && {
            detailQuantity: {
              ...(detail.comparator && { comparator: detail.comparator }),
              value: detail.value,
              unit: detail.unit,
              system: TERMINOLOGY.ucum,
              code: detail.code,
            },
          }),
        },
      ],
    }),
    documentation: g.sources.map(relatedArtifact),
  };
}

function dedupe(sources: Source[]): Source[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

