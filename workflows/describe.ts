import type { AnyStateMachine, AnyStateNode } from 'xstate';

/*
 * A machine as data for the API and the docs generator: JSON {states, events, transitions} and Mermaid
 * stateDiagram-v2 text. Pure: reads the machine definition only.
 */
export interface MachineDescription {
  id: string;
  states: { id: string; type: string; parent?: string; initial?: string }[];
  events: string[];
  transitions: { source: string; event: string; targets: string[]; guard?: string; actions: string[] }[];
}

function walk(node: AnyStateNode, visit: (n: AnyStateNode) => void): void {
  visit(node);
  for (const child of Object.values(node.states) as AnyStateNode[]) walk(child, visit);
}

export function describeMachine(machine: AnyStateMachine): MachineDescription {
  const d: MachineDescription = { id: machine.id, states: [], events: [...machine.events].filter((e) => !e.startsWith('xstate.')).sort(), transitions: [] };
  walk(machine.root, (n) => {
    const initial = n.initial?.target?.[0]?.id;
    d.states.push({ id: n.id, type: n.type, ...(n.parent && { parent: n.parent.id }), ...(initial && { initial }) });
    // Eventless (`always`) transitions are listed under the event name `always`.
    const edges: [string, AnyStateNode['transitions'] extends Map<string, infer D> ? D : never][] = [...n.transitions];
    if (n.always?.length) edges.push(['always', n.always as never]);
    for (const [event, defs] of edges) {
      for (const t of defs) {
        // A guard given as a function has no name: shown as `guarded`.
        const guard = typeof t.guard === 'string' ? t.guard : typeof t.guard === 'function' ? 'guarded' : (t.guard as { type?: string } | undefined)?.type;
        const actions = (t.actions as unknown[]).map((a) => (typeof a === 'string' ? a : ((a as { type?: string }).type ?? 'inline')));
        d.transitions.push({ source: n.id, event, targets: (t.target ?? []).map((s: AnyStateNode) => s.id), ...(guard && { guard }), actions });
      }
    }
  });
  return d;
}

const mid = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

/** Mermaid stateDiagram-v2, flat: state ids are the full dotted paths; targetless transitions are self-loops. */
export function toMermaid(machine: AnyStateMachine): string {
  const d = describeMachine(machine);
  const lines = ['stateDiagram-v2'];
  for (const s of d.states) if (s.id !== d.id) lines.push(`  state "${s.id.slice(d.id.length + 1)}" as ${mid(s.id)}`);
  for (const s of d.states) {
    if (s.initial) lines.push(`  [*] --> ${mid(s.initial)}`);
    if (s.type === 'final') lines.push(`  ${mid(s.id)} --> [*]`);
  }
  for (const t of d.transitions) {
    const label = t.guard ? `${t.event} [${t.guard}]` : t.event;
    for (const target of t.targets.length ? t.targets : [t.source]) {
      if (t.source !== d.id) lines.push(`  ${mid(t.source)} --> ${mid(target)}: ${label}`);
      else lines.push(`  state_any --> ${mid(target)}: ${label}`);
    }
  }
  return lines.join('\n') + '\n';
}
