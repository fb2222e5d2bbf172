import { isResourceType, tryGetDataType } from '@medplum/core';
import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import { compileInvariants } from './invariants.js';
import type { Invariant } from './invariants.js';
import { isPrimitiveCode, primitiveCheck } from './primitives.js';
import type { PrimitiveCheck } from './primitives.js';

/*
 * Compiled structure of the base R4 types, built once per type from @medplum/core's parsed schemas
 * (InternalTypeSchema). A `TypeNode` maps every JSON key an object of that type may carry (`name`, `_name`,
 * `valueQuantity`, `_valueQuantity`, ...) to its element rule, so validating an object is one pass over its own
 * keys plus a look at the few required elements. Invariants are compiled on first use of each element.
 */

export const PRIMITIVE = 0;
export const COMPLEX = 1;
export const RESOURCE = 2;

export interface TypeRef {
  readonly kind: typeof PRIMITIVE | typeof COMPLEX | typeof RESOURCE;
  /** The type code as core names it (inner backbone types get names such as `PatientContact`). */
  readonly code: string;
  readonly check?: PrimitiveCheck;
  /** Complex types only. */
  readonly node?: TypeNode;
}

export interface ChoiceOption {
  /** JSON key, e.g. `valueQuantity`, and its primitive-extension sibling `_valueQuantity`. */
  readonly key: string;
  readonly extKey: string;
  readonly type: TypeRef;
}

/** Constraints core evaluates: severity error, minus the ones it skips (its `skippedConstraintKeys`). */
export interface ConstraintDef {
  readonly key: string;
  readonly expression: string;
  readonly human: string;
}

export interface ElementRule {
  /** Element name without `[x]`. */
  readonly name: string;
  /** Name as in the definition (`value[x]`), used in "Missing required property" paths like core. */
  readonly elementKey: string;
  /** Definition path (`Patient.name`), used in cardinality messages like core. */
  readonly defPath: string;
  readonly min: number;
  readonly max: number;
  readonly isArray: boolean;
  readonly extKey: string;
  /** Non-choice elements. */
  readonly type?: TypeRef;
  /** Choice elements, in definition order (core takes the first one present). */
  readonly choices?: readonly ChoiceOption[];
  readonly constraints: readonly ConstraintDef[];
  /** Static type of %resource for this element's invariants (`Resource` when any resource may hold it). */
  readonly resourceType: string;
  /** Reference targets, for core's (warning-only) reference type check; absent when any type is accepted. */
  readonly referenceTargets?: ReferenceTargets;
  /** Compiled invariants per type code (a choice element may be evaluated against several types). */
  readonly invariants: Map<string, readonly Invariant[]>;
}

export interface ReferenceTargets {
  readonly profiles: readonly string[];
  /** Resource types a reference may name. */
  readonly types: ReadonlySet<string>;
}

export interface KeyEntry {
  readonly rule: ElementRule;
  /** For choice keys: the option the key belongs to. */
  readonly option?: ChoiceOption;
  /** True for `_name` keys; `valueKey` is then the key of the value they extend. */
  readonly isExt: boolean;
  readonly valueKey: string;
}

export interface TypeNode {
  readonly name: string;
  /** The schema path (`Patient`, `Patient.contact`), the base of FHIRPath evaluation for backbone types. */
  readonly path: string;
  readonly keys: Map<string, KeyEntry>;
  readonly required: ElementRule[];
  /** Choice elements by name (`value`), for the camel-case prefix rule core applies to unknown keys. */
  readonly choices: Map<string, ElementRule>;
  /** The type's own constraints (evaluated for the root resource only, as core does). */
  readonly rootConstraints: readonly ConstraintDef[];
  rootInvariants?: readonly Invariant[];
}

const SKIPPED = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

const nodes = new Map<string, TypeNode | null>();

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The compiled node of a non-primitive type known to core (resource, data type, backbone type). */
export function typeNode(name: string): TypeNode | undefined {
  const existing = nodes.get(name);
  if (existing !== undefined) return existing ?? undefined;
  const schema = tryGetDataType(name);
  if (!schema || isPrimitiveCode(name)) {
    nodes.set(name, null);
    return undefined;
  }
  const node: TypeNode = {
    name,
    path: schema.path,
    keys: new Map(),
    required: [],
    choices: new Map(),
    rootConstraints: errorConstraints(schema.constraints),
  };
  nodes.set(name, node); // before filling: types are recursive (Extension -> Extension)
  fill(node, schema);
  return node;
}

/** The node of a concrete resource type, or undefined. */
export function resourceNode(resourceType: string): TypeNode | undefined {
  return isResourceType(resourceType) ? typeNode(resourceType) : undefined;
}

function errorConstraints(list: InternalTypeSchema['constraints']): ConstraintDef[] {
  const out: ConstraintDef[] = [];
  for (const c of list ?? []) {
    if (c.severity === 'error' && !SKIPPED.has(c.key)) out.push({ key: c.key, expression: c.expression, human: c.description });
  }
  return out;
}

function typeRef(code: string): TypeRef {
  const check = primitiveCheck(code);
  if (check) return { kind: PRIMITIVE, code, check };
  if (code === 'Resource' || isResourceType(code)) return { kind: RESOURCE, code };
  const node = typeNode(code);
  if (!node) throw new Error(`Unknown data type ${code} in the base definitions`);
  return { kind: COMPLEX, code, node };
}

function fill(node: TypeNode, schema: InternalTypeSchema): void {
  // A resource's own elements and backbone elements are always inside a resource of that type.
  const owner = schema.path.split('.')[0];
  const resourceType = isResourceType(owner) ? owner : 'Resource';
  for (const [elementKey, element] of Object.entries(schema.elements)) {
    if (elementKey.includes('.')) continue; // profile paths; base definitions have none
    const rule = compileElement(elementKey, element, resourceType);
    const add = (key: string, entry: KeyEntry): void => {
      node.keys.set(key, entry);
    };
    if (rule.choices) {
      node.choices.set(rule.name, rule);
      for (const option of rule.choices) {
        add(option.key, { rule, option, isExt: false, valueKey: option.key });
        add(option.extKey, { rule, option, isExt: true, valueKey: option.key });
      }
    } else {
      add(rule.name, { rule, isExt: false, valueKey: rule.name });
      add(rule.extKey, { rule, isExt: true, valueKey: rule.name });
    }
    if (rule.min > 0) node.required.push(rule);
  }
}

function compileElement(elementKey: string, element: InternalSchemaElement, resourceType: string): ElementRule {
  const isChoice = elementKey.endsWith('[x]');
  const name = isChoice ? elementKey.slice(0, -3) : elementKey;
  const targetProfiles = element.type.find((t) => t.code === 'Reference')?.targetProfile;
  const base = {
    name,
    elementKey,
    defPath: element.path,
    min: element.min,
    max: element.max,
    isArray: !!element.isArray,
    extKey: '_' + name,
    constraints: errorConstraints(element.constraints),
    resourceType,
    referenceTargets: referenceTargets(targetProfiles),
    invariants: new Map<string, readonly Invariant[]>(),
  };
  if (!isChoice) {
    // Core resolves a non-choice element by its first type (base definitions have exactly one).
    return { ...base, type: typeRef(element.type[0]?.code ?? 'undefined') };
  }
  const choices = element.type.map((t) => {
    const key = name + capitalize(t.code);
    return { key, extKey: '_' + key, type: typeRef(t.code) };
  });
  return { ...base, choices };
}

const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';
const MEDPLUM_SD = 'https://medplum.com/fhir/StructureDefinition/';

/**
 * Core's reference check, precomputed: it accepts a type named by an HL7 or Medplum profile URL, any type when
 * the targets include Resource, and anything at all once it meets a profile URL it does not recognise.
 */
function referenceTargets(profiles: string[] | undefined): ReferenceTargets | undefined {
  if (!profiles?.length) return undefined;
  const types = new Set<string>();
  for (const profile of profiles) {
    if (profile === `${HL7_SD}Resource`) return undefined;
    if (profile.startsWith(HL7_SD)) types.add(profile.slice(HL7_SD.length));
    else if (profile.startsWith(MEDPLUM_SD)) types.add(profile.slice(MEDPLUM_SD.length));
    else return undefined;
  }
  return { profiles, types };
}

/** The invariants of an element for a value of the given type, compiled on first use. */
export function elementInvariants(rule: ElementRule, type: TypeRef): readonly Invariant[] {
  let list = rule.invariants.get(type.code);
  if (!list) {
    list = rule.constraints.length === 0 ? [] : compileInvariants(rule.constraints, { ...invariantBase(type), resourceType: rule.resourceType });
    rule.invariants.set(type.code, list);
  }
  return list;
}

/** The root invariants of a resource type, compiled on first use. */
export function rootInvariants(node: TypeNode): readonly Invariant[] {
  if (!node.rootInvariants) {
    node.rootInvariants = node.rootConstraints.length === 0 ? [] : compileInvariants(node.rootConstraints, { type: node.name, path: node.path, resourceType: node.name });
  }
  return node.rootInvariants;
}

/** FHIRPath context of a value: its type name, and the model path fhirpath.js navigates from. */
function invariantBase(type: TypeRef): { type: string; path: string } {
  if (type.kind === COMPLEX && type.node) return { type: type.code, path: type.node.path };
  return { type: type.code, path: type.code };
}
