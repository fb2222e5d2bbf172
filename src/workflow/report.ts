import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineDefinition } from '../../workflows/machine-definition.js';
import type { WorkflowInstanceRow, WorkflowTimerRow, WorkflowTransitionRow } from '../store/workflow-types.js';
import { allowedEvents, statePaths } from './allowed-events.js';
import { restore } from './engine.js';

/*
 * A course as FHIR Parameters: the machine and version, the state as dotted paths, the events allowed now with
 * the data each needs, the pending timers and (for $workflow) the transition history. $event answers with the
 * same shape for the new state, plus the CarePlan.
 */

const str = (name: string, valueString: string): ParametersParameter => ({ name, valueString });

function allowedParameters(def: MachineDefinition, allowed: string[]): ParametersParameter[] {
  return allowed.map((type) => {
    const schema = def.eventSchemas[type];
    return {
      name: 'allowedEvent',
      part: [
        { name: 'event', valueCode: type },
        str('description', schema.description),
        ...Object.entries(schema.data).map(([field, f]) => ({
          name: 'data',
          part: [
            { name: 'name', valueString: field },
            { name: 'type', valueCode: f.type },
            { name: 'required', valueBoolean: f.required },
            ...(f.values ?? []).map((v) => ({ name: 'value', valueCode: v })),
          ],
        })),
      ],
    };
  });
}

function timerParameter(t: WorkflowTimerRow): ParametersParameter {
  return { name: 'timer', part: [str('id', t.timerId), { name: 'event', valueCode: t.event }, { name: 'due', valueDateTime: t.due }] };
}

function transitionParameter(t: WorkflowTransitionRow): ParametersParameter {
  return {
    name: 'transition',
    part: [
      { name: 'seq', valueInteger: t.seq },
      { name: 'event', valueCode: t.event },
      ...(t.data ? [str('data', t.data)] : []),
      str('from', t.from || '(start)'),
      str('to', t.to),
      { name: 'at', valueInstant: t.at },
      ...(t.by ? [{ name: 'by', valueReference: { reference: t.by } }] : []),
      ...(t.provenanceId ? [{ name: 'provenance', valueReference: { reference: `Provenance/${t.provenanceId}` } }] : []),
    ],
  };
}

export interface ReportInput {
  def: MachineDefinition;
  inst: WorkflowInstanceRow;
  timers: WorkflowTimerRow[];
  history?: WorkflowTransitionRow[];
  carePlan?: Resource;
  /** `inst` restored, when the caller has it already. */
  snapshot?: AnyMachineSnapshot;
}

export function workflowReport({ def, inst, timers, history, carePlan, snapshot = restore(def, inst) }: ReportInput): Parameters {
  const { input: _input, ...context } = snapshot.context as Record<string, unknown>;
  return {
    resourceType: 'Parameters',
    parameter: [
      str('machine', def.id),
      str('version', def.version),
      { name: 'carePlan', valueReference: { reference: `CarePlan/${inst.carePlanId}/_history/${inst.carePlanVersion}` } },
      { name: 'status', valueCode: snapshot.status },
      ...statePaths(snapshot.value).map((s) => str('state', s)),
      str('context', JSON.stringify(context)),
      ...allowedParameters(def, allowedEvents(def, snapshot)),
      ...timers.map(timerParameter),
      ...(history ?? []).map(transitionParameter),
      ...(carePlan ? [{ name: 'return', resource: carePlan }] : []),
    ],
  };
}
