import type { ParamInfo } from './params.js';

/*
 * Derived parameters: a parameter whose expression is the union of other parameters' expressions on the same
 * resource type, of the same parameter type (for composites also with the same components), such as
 * Observation's combo-code = Observation.code | Observation.component.code. Its index rows would only repeat
 * the rows of those sources (Observation's combo-* parameters held a quarter of a clinical data set's index
 * rows), so it has none of its own, and a search on it searches its sources' rows instead: `pid IN (...)`
 * matches a resource when any source does, which is what a union means.
 *
 * Date parameters are never derived: the date driver treats a parameter with at most one row per resource
 * as single-valued (date_stats.max_rows), which two sources together need not be.
 */

/** The union members of a parameter's expression for its type, as normalised FHIRPath text. */
export type MembersOf = (p: ParamInfo) => string[];

/**
 * Derived parameter code → the codes of its sources, for one resource type's parameters. The sources' members,
 * in order, must spell out the parameter's members exactly (`A | B | C | D` from `A | B` and `C | D`).
 */
export function findDerived(params: ParamInfo[], membersOf: MembersOf): Map<string, string[]> {
  const members = new Map(params.map((p) => [p, membersOf(p)]));
  const derived = new Map<string, string[]>();
  for (const p of params) {
    const m = members.get(p)!;
    if (m.length < 2 || p.type === 'date' || p.type === 'special') continue;
    const sources: string[] = [];
    let covered = 0;
    while (covered < m.length) {
      // The source spelling out the most members from here on.
      let best: { code: string; length: number } | undefined;
      for (const q of params) {
        const n = members.get(q)!;
        if (q === p || n.length === 0 || n.length >= m.length || (best && n.length <= best.length) || !sameKind(p, q)) continue;
        if (n.every((member, k) => m[covered + k] === member)) best = { code: q.code, length: n.length };
      }
      if (!best) break;
      sources.push(best.code);
      covered += best.length;
    }
    if (covered === m.length) derived.set(p.code, sources);
  }
  // A source that is itself derived has no rows either: its own sources stand in (each has fewer members, so this ends).
  const resolve = (code: string): string[] => derived.get(code)?.flatMap(resolve) ?? [code];
  return new Map([...derived.keys()].map((code) => [code, resolve(code)]));
}

/** Same parameter type, implied code system and, for composites, the same components in the same order. */
function sameKind(p: ParamInfo, q: ParamInfo): boolean {
  if (p.type !== q.type || p.impliedSystem !== q.impliedSystem) return false;
  if (p.type !== 'composite') return true;
  const a = p.sp.component ?? [];
  const b = q.sp.component ?? [];
  if (!p.components || !q.components || a.length !== b.length) return false;
  return a.every(
    (c, i) =>
      c.expression === b[i].expression &&
      p.components![i].type === q.components![i].type &&
      p.components![i].impliedSystem === q.components![i].impliedSystem,
  );
}
