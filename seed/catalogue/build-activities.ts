import type { ActivityDefinition, Timing } from '@medplum/fhirtypes';
import { CATALOGUE_DATE, CS, PUBLISHER, VERSION, concept, url } from './names.js';
import { relatedArtifact, sourcesMarkdown } from './sources.js';
import { pascal } from './build-valuesets.js';
import type { ActionSpec, ActivitySpec, ProgrammeId } from './types.js';

/** `{programme}-{code}`, or the bare code for a shared activity (docs/PROGRAMME-MODEL.md). */
export function activityId(programme: ProgrammeId, spec: ActivitySpec): string {
  return spec.shared ? spec.code : `${programme}-${spec.code}`;
}

/** The timing of a step: weekly sessions, or once a year. */
export function actionTiming(action: ActionSpec): Timing | undefined {
  if (action.weeklySessions) return { repeat: { count: action.weeklySessions, frequency: 1, period: 1, periodUnit: 'wk' } };
  if (action.yearly) return { repeat: { frequency: 1, period: 1, periodUnit: 'a' } };
  return undefined;
}

/**
 * The ActivityDefinition of an activity. A programme's own activity carries the programme as topic and, where
 * the step fixes it, the timing; a shared one is timed by the PlanDefinition action that uses it.
 */
export function activityDefinition(id: string, spec: ActivitySpec, programme?: ProgrammeId, timing?: Timing): ActivityDefinition {
  return {
    resourceType: 'ActivityDefinition',
    id,
    url: url.activityDefinition(id),
    version: VERSION,
    name: pascal(id),
    title: spec.title,
    status: 'active',
    date: CATALOGUE_DATE,
    publisher: PUBLISHER,
    description: `${spec.description}\n\n${sourcesMarkdown(spec.sources)}`,
    ...(programme && { topic: [concept(CS.programme, programme)] }),
    relatedArtifact: spec.sources.map(relatedArtifact),
    kind: spec.kind,
    code: concept(CS.activityType, spec.code),
    ...(timing && { timingTiming: timing }),
    ...(spec.sector && { participant: [{ type: 'practitioner', role: concept(CS.sector, spec.sector) }] }),
  };
}
