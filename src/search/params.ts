import {
  AsAtom,
  DotAtom,
  EqualsAtom,
  FhirPathAtom,
  FunctionAtom,
  IndexerAtom,
  IsAtom,
  LiteralAtom,
  SymbolAtom,
  UnionAtom,
  evalFhirPathTyped,
  getElementDefinition,
  getSearchParameters,
  indexSearchParameter,
  isResourceType,
  parseFhirPath,
  type Atom,
  type TypedValue,
} from '@medplum/core';
import type { SearchParameter, ValueSet } from '@medplum/fhirtypes';
import { readDefinitionBundle } from '../fhir/definition-cache.js';
import { loadBaseDefinitions, supportedResourceTypes } from '../fhir/definitions.js';
import { findDerived } from './derived-params.js';

/**
 * The search parameters of each resource type, from @medplum/core's registry (the R4 base set plus
 * any custom SearchParameter given to core's `indexSearchParameter`), each with its expression
 * compiled ONCE into a fast evaluator.
 *
 * Compilation: SearchParameter expressions are nearly all simple paths: `Type.a.b`, unions of them,
 * `(Type.value as Quantity)`, `.where(resolve() is Patient)`, `.where(system='phone')`, `[0]`,
 * `.first()`. Those compile to plain JavaScript closures that walk the JSON with element types from
 * core's schema (about 10x faster than interpreting the FHIRPath tree). Any union member using
 * something else is evaluated by core's FHIRPath engine (`evalFhirPathTyped` with the atom parsed
 * once), which understands `resolve()` on reference strings.
 */

export type ParamType = 'token' | 'string' | 'date' | 'number' | 'quantity' | 'reference' | 'uri' | 'composite' | 'special';

export interface ParamInfo {
  code: string;
  type: ParamType;
  sp: SearchParameter;
  /** Declared target resource types of a reference parameter. */
  targets: string[];
  /** Evaluate the parameter's expression on a resource (as a typed value). */
  evaluate: (root: TypedValue) => TypedValue[];
  /**
   * Composite parameters: the components, in order, each evaluated relative to an element the
   * composite's expression matched (`%resource` is the resource). Undefined when a component's
   * definition is unknown or of an unsupported type (the parameter is then not supported).
   */
  components?: ComponentInfo[];
  /**
   * Token parameters on a primitive `code` element with a required binding to a value set drawn
   * from one code system: that system (so `gender=http://hl7.org/fhir/administrative-gender|male`
   * matches). Undefined otherwise.
   */
  impliedSystem?: string;
}

export interface ComponentInfo {
  code: string;
  type: Exclude<ParamType, 'composite' | 'special'>;
  evaluate: (element: TypedValue, resource: TypedValue) => TypedValue[];
  /** As for ParamInfo (the component's own parameter definition). */
  impliedSystem?: string;
}

/** Most components a composite parameter may have (the store keeps three). */
export const MAX_COMPONENTS = 3;
const COMPONENT_TYPES = new Set(['token', 'string', 'date', 'number', 'quantity', 'reference', 'uri']);

/** Parameters that are not written to the index tables: the store keeps columns for them. */
const NOT_INDEXED = new Set(['_id', '_lastUpdated', '_compartment']);

interface TypeCache {
  byCode: Map<string, ParamInfo>;
  /** Parameters to index (no special/_id/_lastUpdated; composites with known components; none derived). */
  indexed: ParamInfo[] | undefined;
  /** Derived parameters (derived-params.ts): code → its sources' codes. Built with `indexed`. */
  derived: Map<string, string[]>;
  /** The registry generation `indexed` was built in. */
  generation: number;
}

const caches = new Map<string, TypeCache>();

function cacheFor(resourceType: string): TypeCache {
  loadBaseDefinitions();
  let c = caches.get(resourceType);
  if (!c) {
    c = { byCode: new Map(), indexed: undefined, derived: new Map(), generation: -1 };
    caches.set(resourceType, c);
  }
  return c;
}

function infoFor(c: TypeCache, resourceType: string, code: string, sp: SearchParameter): ParamInfo {
  let info = c.byCode.get(code);
  if (info && info.sp === sp) return info;
  info = {
    code,
    type: sp.type as ParamType,
    sp,
    targets: (sp.target ?? []) as string[],
    evaluate: sp.expression ? compileExpression(resourceType, sp.expression) : () => [],
  };
  if (info.type === 'composite') info.components = compileComponents(resourceType, sp);
  if (info.type === 'token' && sp.expression) info.impliedSystem = impliedCodeSystem(resourceType, sp.expression);
  c.byCode.set(code, info);
  return info;
}

/** A composite's components (see ParamInfo.components). */
function compileComponents(resourceType: string, sp: SearchParameter): ComponentInfo[] | undefined {
  const list = sp.component ?? [];
  if (list.length < 2 || list.length > MAX_COMPONENTS) return undefined;
  const registry = getSearchParameters(resourceType) ?? {};
  const out: ComponentInfo[] = [];
  for (const component of list) {
    const def = Object.values(registry).find((p) => p.url === component.definition);
    if (!def || !COMPONENT_TYPES.has(def.type as string) || !component.expression) return undefined;
    out.push({
      code: def.code as string,
      type: def.type as ComponentInfo['type'],
      evaluate: compileRelative(component.expression),
      impliedSystem: def.type === 'token' && def.expression ? impliedCodeSystem(resourceType, def.expression) : undefined,
    });
  }
  return out;
}

/** Compile an expression evaluated on an element (not a resource); `%resource` is available. */
export function compileRelative(expression: string): (element: TypedValue, resource: TypedValue) => TypedValue[] {
  const members: Atom[] = [];
  splitUnion(parseFhirPath(expression).child, members);
  const fns = members.map((member): ((el: TypedValue, root: TypedValue) => TypedValue[]) => {
    try {
      const f = compileAtom(member, false);
      return (el) => f([el]);
    } catch (err) {
      if (!(err instanceof NotCompilable)) throw err;
      const atom = new FhirPathAtom(member.toString(), member);
      return (el, root) => {
        try {
          return evalFhirPathTyped(atom, [el], { '%resource': root, '%rootResource': root });
        } catch {
          return [];
        }
      };
    }
  });
  if (fns.length === 1) return fns[0];
  return (el, root) => fns.flatMap((f) => f(el, root));
}

/** One search parameter of a type, or undefined when the type has no parameter of that code. */
export function getParam(resourceType: string, code: string): ParamInfo | undefined {
  const c = cacheFor(resourceType);
  const sp = getSearchParameters(resourceType)?.[code];
  if (!sp) return undefined;
  return infoFor(c, resourceType, code, sp);
}

/**
 * Add or replace a search parameter in the registry (core's `indexSearchParameter`). The one way to
 * change the registry after start-up: cached parameter lists are rebuilt on their next use.
 */
export function registerSearchParameter(sp: SearchParameter): void {
  indexSearchParameter(sp);
  registryGeneration++;
}

/** Bumped by registerSearchParameter; a TypeCache's `indexed` list is valid for one generation. */
let registryGeneration = 0;

/** The parameters to index for a resource type: a cached array, rebuilt after a registration. */
export function indexedParams(resourceType: string): ParamInfo[] {
  const c = cacheFor(resourceType);
  if (c.indexed && c.generation === registryGeneration) return c.indexed;
  const registry = getSearchParameters(resourceType);
  if (!registry) return [];
  const list: ParamInfo[] = [];
  for (const code in registry) {
    const info = infoFor(c, resourceType, code, registry[code]);
    if (NOT_INDEXED.has(code) || info.type === 'special' || (info.type === 'composite' && !info.components)) continue;
    list.push(info);
  }
  c.derived = findDerived(list, (p) => (p.sp.expression ? unionMembers(resourceType, p.sp.expression).map(String) : []));
  c.indexed = list.filter((p) => !c.derived.has(p.code));
  c.generation = registryGeneration;
  return c.indexed;
}

/**
 * The codes whose index rows answer a search on `code` of `resourceType`: the code itself, or a derived
 * parameter's sources (derived-params.ts), suffixes kept: `combo-code:text` → `code:text`, `component-code:text`.
 */
export function indexCodes(resourceType: string, code: string): string[] {
  const c = cacheFor(resourceType);
  if (c.generation !== registryGeneration) indexedParams(resourceType);
  const colon = code.indexOf(':');
  const base = colon < 0 ? code : code.slice(0, colon);
  const sources = c.derived.get(base);
  if (!sources) return [code];
  const suffix = colon < 0 ? '' : code.slice(colon);
  return sources.map((s) => s + suffix);
}

let deriving: { generation: number; byCode: Map<string, string[]> } | undefined;

/** The resource types on which `code` (suffix ignored) is a derived parameter: for searches across types. */
export function typesDeriving(code: string): string[] {
  if (deriving?.generation !== registryGeneration) {
    const byCode = new Map<string, string[]>();
    for (const type of supportedResourceTypes()) {
      indexedParams(type);
      for (const derived of cacheFor(type).derived.keys()) byCode.set(derived, [...(byCode.get(derived) ?? []), type]);
    }
    deriving = { generation: registryGeneration, byCode };
  }
  const colon = code.indexOf(':');
  return deriving.byCode.get(colon < 0 ? code : code.slice(0, colon)) ?? [];
}

// ---------------------------------------------------------------------------------------------
// Implied code systems of `code` elements
// ---------------------------------------------------------------------------------------------

/**
 * The code system implied for a token parameter whose expression selects only primitive `code`
 * elements (simple paths `Type.a.b`), each with a required binding to a value set drawn from one
 * code system, the same for all: e.g. Patient.gender → http://hl7.org/fhir/administrative-gender.
 */
function impliedCodeSystem(resourceType: string, expression: string): string | undefined {
  let members: Atom[];
  try {
    members = [];
    splitUnion(parseFhirPath(expression).child, members);
  } catch {
    return undefined;
  }
  let system: string | undefined;
  for (const member of members) {
    const path = simplePath(member);
    if (!path || path.length < 2) return undefined;
    if (path[0] !== resourceType) {
      if (isResourceType(path[0])) continue; // a member for another resource type
      return undefined;
    }
    let type = resourceType;
    let def: ReturnType<typeof getElementDefinition>;
    for (let i = 1; i < path.length; i++) {
      def = getElementDefinition(type, path[i]);
      if (!def?.type || def.type.length !== 1 || def.path.endsWith('[x]')) return undefined;
      type = def.type[0].code as string;
    }
    const binding = def?.binding;
    if (type !== 'code' || binding?.strength !== 'required' || !binding.valueSet) return undefined;
    const s = valueSetSystem(binding.valueSet);
    if (!s || (system !== undefined && s !== system)) return undefined;
    system = s;
  }
  return system;
}

function simplePath(atom: Atom): string[] | undefined {
  if (atom instanceof SymbolAtom) return [atom.name];
  if (atom instanceof DotAtom && atom.right instanceof SymbolAtom) {
    const left = simplePath(atom.left);
    return left && [...left, atom.right.name];
  }
  return undefined;
}

let valueSetSystems: Map<string, string | null> | undefined;

/** The one code system a base R4 value set draws all its codes from, if there is one. */
function valueSetSystem(url: string): string | undefined {
  if (!valueSetSystems) {
    valueSetSystems = new Map();
    for (const entry of readDefinitionBundle('fhir/r4/valuesets.json').entry ?? []) {
      const vs = entry.resource as ValueSet | undefined;
      if (vs?.resourceType !== 'ValueSet' || !vs.url) continue;
      const systems = new Set((vs.compose?.include ?? []).map((inc) => (inc.valueSet?.length || !inc.system ? '' : inc.system)));
      valueSetSystems.set(vs.url, systems.size === 1 && !systems.has('') ? [...systems][0] : null);
    }
  }
  return valueSetSystems.get(url.split('|')[0]) ?? undefined;
}

// ---------------------------------------------------------------------------------------------
// Expression compiler
// ---------------------------------------------------------------------------------------------

type Fn = (input: TypedValue[]) => TypedValue[];

class NotCompilable extends Error {}

/**
 * Compile a SearchParameter expression for one resource type: union members that start with another
 * resource type are dropped; each remaining member is compiled or, failing that, left to core's engine.
 */
export function compileExpression(resourceType: string, expression: string): (root: TypedValue) => TypedValue[] {
  const fns = unionMembers(resourceType, expression).map(compileMember);
  if (fns.length === 0) return () => [];
  if (fns.length === 1) {
    const f = fns[0];
    return (root) => f([root]);
  }
  return (root) => {
    const input = [root];
    const out: TypedValue[] = [];
    for (const f of fns) for (const v of f(input)) out.push(v);
    return out;
  };
}

function compileMember(member: Atom): Fn {
  try {
    return compileAtom(member, true);
  } catch (err) {
    if (!(err instanceof NotCompilable)) throw err;
    const atom = new FhirPathAtom(member.toString(), member);
    return (input) => {
      try {
        return evalFhirPathTyped(atom, input);
      } catch {
        return [];
      }
    };
  }
}

/** The members of an expression's top-level union, without those for another resource type. */
function unionMembers(resourceType: string, expression: string): Atom[] {
  const members: Atom[] = [];
  splitUnion(parseFhirPath(expression).child, members);
  return members.filter((member) => {
    const root = leftmostSymbol(member);
    return root === undefined || root === resourceType || root === 'Resource' || root === 'DomainResource' || !isResourceType(root);
  });
}

function splitUnion(atom: Atom, out: Atom[]): void {
  if (atom instanceof UnionAtom) {
    splitUnion(atom.left, out);
    splitUnion(atom.right, out);
  } else {
    out.push(atom);
  }
}

function leftmostSymbol(atom: Atom): string | undefined {
  let a: Atom = atom;
  for (;;) {
    if (a instanceof SymbolAtom) return a.name;
    if (a instanceof DotAtom || a instanceof AsAtom || a instanceof IsAtom) a = a.left;
    else if (a instanceof IndexerAtom) a = a.left;
    else return undefined;
  }
}

/** `atRoot`: the atom is applied to the resource itself (a leading type name is a type filter). */
function compileAtom(atom: Atom, atRoot: boolean): Fn {
  if (atom instanceof DotAtom) {
    const left = compileAtom(atom.left, atRoot);
    const right = compileAtom(atom.right, false);
    return (input) => {
      const mid = left(input);
      return mid.length === 0 ? mid : right(mid);
    };
  }
  if (atom instanceof SymbolAtom) {
    const name = atom.name;
    if (name.startsWith('%')) throw new NotCompilable(); // variables (%resource): core's engine
    if (atRoot && (name === 'Resource' || name === 'DomainResource')) return (input) => input;
    if (atRoot && isResourceType(name)) return (input) => input.filter((v) => v.type === name);
    // A path without the leading type name (e.g. InsurancePlan's `name | alias`): a property.
    return propertyAccess(atom.name);
  }
  if (atom instanceof AsAtom) {
    const left = compileAtom(atom.left, atRoot);
    const type = typeName(atom.right);
    return (input) => left(input).filter((v) => v.type === type);
  }
  if (atom instanceof IndexerAtom) {
    const left = compileAtom(atom.left, atRoot);
    if (!(atom.expr instanceof LiteralAtom) || typeof atom.expr.value.value !== 'number') throw new NotCompilable();
    const index = atom.expr.value.value;
    return (input) => {
      const v = left(input)[index];
      return v ? [v] : [];
    };
  }
  if (atom instanceof FunctionAtom && !atRoot) {
    return compileFunction(atom);
  }
  throw new NotCompilable();
}

/** FHIRPath's System types as the FHIR primitive types they stand for in `as` / `ofType`. */
const SYSTEM_TYPES: Record<string, string> = {
  Boolean: 'boolean',
  String: 'string',
  Integer: 'integer',
  Decimal: 'decimal',
  Date: 'date',
  DateTime: 'dateTime',
  Time: 'time',
};

function typeName(atom: Atom): string {
  if (atom instanceof SymbolAtom) {
    const name = atom.name.replace(/^(FHIR|System)\./, '');
    return SYSTEM_TYPES[name] ?? name;
  }
  throw new NotCompilable();
}

function compileFunction(fn: FunctionAtom): Fn {
  switch (fn.name) {
    case 'as':
    case 'ofType': {
      if (fn.args.length !== 1) throw new NotCompilable();
      const type = typeName(fn.args[0]);
      return (input) => input.filter((v) => v.type === type);
    }
    case 'first':
      if (fn.args.length !== 0) throw new NotCompilable();
      return (input) => (input.length > 1 ? [input[0]] : input);
    case 'where': {
      if (fn.args.length !== 1) throw new NotCompilable();
      const arg = fn.args[0];
      // where(resolve() is Type)
      if (arg instanceof IsAtom && arg.left instanceof FunctionAtom && arg.left.name === 'resolve' && arg.left.args.length === 0) {
        const type = typeName(arg.right);
        return (input) => input.filter((v) => referenceTargetType(v) === type || (type === 'Resource' && referenceTargetType(v) !== undefined));
      }
      // where(prop = 'literal')
      if (arg instanceof EqualsAtom && arg.left instanceof SymbolAtom && arg.right instanceof LiteralAtom) {
        const prop = arg.left.name;
        const lit = arg.right.value.value;
        return (input) =>
          input.filter((v) => {
            const o = v.value as Record<string, unknown> | null;
            return o !== null && typeof o === 'object' && o[prop] === lit;
          });
      }
      throw new NotCompilable();
    }
    default:
      throw new NotCompilable();
  }
}

/** The resource type a Reference (or reference string) points to, as `resolve() is Type` sees it. */
export function referenceTargetType(v: TypedValue): string | undefined {
  let ref: string | undefined;
  if (typeof v.value === 'string') ref = v.value;
  else if (v.value && typeof v.value === 'object') {
    const r = v.value as { reference?: string; type?: string; resource?: { resourceType?: string } };
    if (r.resource?.resourceType) return r.resource.resourceType;
    ref = r.reference;
    if (!ref) return r.type;
  }
  if (!ref || ref.startsWith('#')) return undefined;
  const q = ref.indexOf('?');
  if (q > 0) return ref.slice(0, q);
  const parts = ref.split('/');
  // Type/id, Type/id/_history/v, or absolute .../Type/id[/_history/v]
  let i = parts.length - 2;
  if (parts.length >= 4 && parts[parts.length - 2] === '_history') i = parts.length - 4;
  return i >= 0 ? parts[i] : undefined;
}

interface PropInfo {
  /** JSON key for a non-choice element. */
  key?: string;
  type?: string;
  /** For a choice element `value[x]`: JSON key → type. */
  choice?: Map<string, string>;
}

const NO_PROP: PropInfo = {};

/** Property access with the element type from core's schema, resolved per input type and cached. */
function propertyAccess(name: string): Fn {
  const byType = new Map<string, PropInfo>();
  const info = (type: string): PropInfo => {
    let p = byType.get(type);
    if (!p) {
      p = lookupProp(type, name);
      byType.set(type, p);
    }
    return p;
  };
  return (input) => {
    let out: TypedValue[] | undefined;
    for (const v of input) {
      const obj = v.value as Record<string, unknown>;
      if (obj === null || typeof obj !== 'object') continue;
      const p = info(v.type);
      if (p.key !== undefined) {
        const value = obj[p.key];
        if (value !== undefined && value !== null) push((out ??= []), value, p.type as string);
      } else if (p.choice) {
        for (const key in obj) {
          if (!key.startsWith(name)) continue;
          const t = p.choice.get(key);
          if (t) push((out ??= []), obj[key], t);
        }
      }
    }
    // Most properties are absent: share one empty result instead of allocating one per call.
    return out ?? NOTHING;
  };
}

/** The empty result; frozen, so a caller that tried to add to it would fail loudly. */
const NOTHING = Object.freeze([]) as unknown as TypedValue[];

function push(out: TypedValue[], value: unknown, type: string): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) if (item !== undefined && item !== null) out.push({ type: typeOf(item, type), value: item });
  } else {
    out.push({ type: typeOf(value, type), value });
  }
}

function typeOf(value: unknown, declared: string): string {
  if (declared === 'Resource' && value && typeof value === 'object') {
    return ((value as { resourceType?: string }).resourceType ?? declared) as string;
  }
  return declared;
}

function lookupProp(type: string, name: string): PropInfo {
  const def = getElementDefinition(type, name);
  if (!def || !def.type?.length) return NO_PROP;
  if (def.path.endsWith('[x]')) {
    const choice = new Map<string, string>();
    for (const t of def.type) choice.set(name + t.code.charAt(0).toUpperCase() + t.code.slice(1), t.code);
    return { choice };
  }
  return { key: name, type: def.type[0].code };
}
