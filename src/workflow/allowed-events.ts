import type { AnyMachineSnapshot, StateValue } from 'xstate';
import type { EventSchema, FieldSchema } from '../../workflows/events.js';
import type { MachineDefinition } from '../../workflows/machine-definition.js';

/*
 * What a course can do now, asked of the machine itself: each event of the machine is tried, with data of the
 * right shape, against the snapshot (`acceptsEvent` runs the machine's own guards). Timer events are listed
 * too; developers may send them ahead of their time.
 */

function sampleValue(field: FieldSchema): unknown {
  switch (field.type) {
    case 'boolean': return true;
    case 'string[]': return ['sample'];
    case 'reference': return 'Practitioner/sample';
    case 'dateTime': return '2000-01-01';
    case 'code':
    case 'stratum': return field.values?.[0] ?? 'sample';
    default: return 'sample';
  }
}

function sampleEvent(type: string, schema: EventSchema): { type: string } & Record<string, unknown> {
  return { type, ...Object.fromEntries(Object.entries(schema.data).map(([k, f]) => [k, sampleValue(f)])) };
}

export function allowedEvents(def: MachineDefinition, snapshot: AnyMachineSnapshot): string[] {
  if (snapshot.status !== 'active') return [];
  return Object.entries(def.eventSchemas)
    .filter(([type, schema]) => def.acceptsEvent(snapshot, sampleEvent(type, schema)))
    .map(([type]) => type);
}

/** The active leaf states as dotted paths, e.g. `enrolled.active.course.sessions`. */
export function statePaths(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value).flatMap(([k, v]) => (v === undefined ? [`${prefix}${k}`] : statePaths(v as StateValue, `${prefix}${k}.`)));
}
