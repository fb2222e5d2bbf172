import type { ActivityDefinition, Resource } from '@medplum/fhirtypes';
import { activityDefinition } from './build-activities.js';
import { buildProgramme } from './build-programme.js';
import { frailElderlyCodeSystem } from './frail-elderly-parameters.js';
import { acquiredBrainInjury } from './programmes/acquired-brain-injury.js';
import { cancerRehabilitationPalliation } from './programmes/cancer-rehabilitation-palliation.js';
import { cardiovascular } from './programmes/cardiovascular.js';
import { copd } from './programmes/copd.js';
import { dementia } from './programmes/dementia.js';
import { depression } from './programmes/depression.js';
import { diabetesType2 } from './programmes/diabetes-type-2.js';
import { frailElderly } from './programmes/frail-elderly.js';
import { lowBackPain } from './programmes/low-back-pain.js';
import { schizophrenia } from './programmes/schizophrenia.js';
import type { ActivitySpec, ProgrammeSpec } from './types.js';

/** The ten programmes of the catalogue (issue 5), in the order of the issue. */
export const PROGRAMMES: readonly ProgrammeSpec[] = [
  diabetesType2,
  copd,
  cardiovascular,
  lowBackPain,
  dementia,
  schizophrenia,
  depression,
  cancerRehabilitationPalliation,
  acquiredBrainInjury,
  frailElderly,
];

/**
 * Every catalogue resource: the seed's CodeSystem, the programmes' ValueSets, the ActivityDefinitions (shared
 * ones once) and the PlanDefinitions last. Pure and deterministic: the same content on every call.
 */
export function buildCatalogue(): Resource[] {
  const built = PROGRAMMES.map(buildProgramme);
  const shared = new Map<string, ActivitySpec>();
  for (const spec of built.flatMap((b) => b.sharedActivities)) {
    const known = shared.get(spec.code);
    if (known && known !== spec) throw new Error(`Two different shared activities with code ${spec.code}`);
    shared.set(spec.code, spec);
  }
  const sharedDefinitions: ActivityDefinition[] = [...shared].map(([id, spec]) => activityDefinition(id, spec));
  return [
    frailElderlyCodeSystem(),
    ...built.flatMap((b) => b.valueSets),
    ...sharedDefinitions,
    ...built.flatMap((b) => b.activityDefinitions),
    ...built.map((b) => b.planDefinition),
  ];
}
