import { getResourceTypes, isResourceType, tryGetDataType } from '@medplum/core';
import { isPrimitiveCode } from './primitives.js';

/*
 * Static types for the FHIRPath subset compiler (fhirpath-subset.ts): what a sub-expression yields, and how a
 * member of a FHIR type is read from JSON. Compiled code works on raw JSON, so every decision that fhirpath.js
 * makes from its model at run time (choice types, primitive conversions) is made here once, at compile time.
 */

/** Value class of a collection: decides which operators the compiled code may apply. */
export type Cls = 'bool' | 'str' | 'int' | 'dec' | 'date' | 'obj' | 'mixed';

export interface SType {
  readonly cls: Cls;
  /** The FHIR type name when a single one is known; `Resource` means "any resource, by its resourceType". */
  readonly name?: string;
}

/** How to read a member from one JSON object. */
export interface MemberPlan {
  /** JSON keys to read (several for a choice element), with the JSON type each value must have. */
  readonly options: readonly { key: string; extKey: string; cls: Cls }[];
  /** For choices with many types: every JSON key (value and `_x`) to its class. */
  readonly byKey?: ReadonlyMap<string, { cls: Cls; ext: boolean }>;
  readonly type: SType;
  /** True when the member belongs to a resource type (its objects carry a resourceType). */
  readonly ofResource: boolean;
}

export class Unsupported extends Error {}

export function unsupported(what: string): never {
  throw new Unsupported(what);
}

const INTEGER_CODES = new Set(['integer', 'positiveInt', 'unsignedInt']);
const DATE_CODES = new Set(['date', 'dateTime', 'instant', 'time']);

/** Static type of a value of the given FHIR type code. */
export function typeOfCode(code: string): SType {
  if (isPrimitiveCode(code)) {
    if (code === 'boolean') return { cls: 'bool', name: code };
    if (INTEGER_CODES.has(code)) return { cls: 'int', name: code };
    if (code === 'decimal') return { cls: 'dec', name: code };
    if (DATE_CODES.has(code)) return { cls: 'date', name: code };
    return { cls: 'str', name: code };
  }
  if (code === 'Resource' || code === 'DomainResource' || isResourceType(code)) {
    return { cls: 'obj', name: isResourceType(code) ? code : 'Resource' };
  }
  return { cls: 'obj', name: code };
}

/** Union of static types: one class if they share it, otherwise `mixed`. */
export function unionType(types: readonly SType[]): SType {
  if (types.length === 0) return { cls: 'mixed' };
  const first = types[0];
  if (types.every((t) => t.cls === first.cls && t.name === first.name)) return first;
  if (types.every((t) => t.cls === first.cls)) return { cls: first.cls };
  return { cls: 'mixed' };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const plans = new Map<string, MemberPlan | null>();

/** How to read `member` from a JSON object of type `typeName`; null when the type has no such element. */
export function memberPlan(typeName: string, member: string): MemberPlan | null {
  const cacheKey = `${typeName}.${member}`;
  let plan = plans.get(cacheKey);
  if (plan !== undefined) return plan;
  plan = null;
  const schema = tryGetDataType(typeName);
  const element = schema?.elements[member] ?? schema?.elements[member + '[x]'];
  if (element && element.type.length > 0) {
    const ofResource = isResourceType(typeName) || typeName === 'Resource' || typeName === 'DomainResource';
    if (schema?.elements[member]) {
      const type = typeOfCode(element.type[0].code);
      plan = { options: [{ key: member, extKey: '_' + member, cls: type.cls }], type, ofResource };
    } else {
      const types = element.type.map((t) => typeOfCode(t.code));
      const options = element.type.map((t, i) => ({ key: member + capitalize(t.code), extKey: '_' + member + capitalize(t.code), cls: types[i].cls }));
      let byKey: Map<string, { cls: Cls; ext: boolean }> | undefined;
      if (options.length > 3) {
        byKey = new Map();
        for (const o of options) {
          byKey.set(o.key, { cls: o.cls, ext: false });
          byKey.set(o.extKey, { cls: o.cls, ext: true });
        }
      }
      plan = { options, byKey, type: unionType(types), ofResource };
    }
  }
  plans.set(cacheKey, plan);
  return plan;
}

const resourceMemberTypes = new Map<string, SType>();

/** Static type of `member` read from "any resource": the union over every resource type that has it. */
export function anyResourceMemberType(member: string): SType {
  let type = resourceMemberTypes.get(member);
  if (!type) {
    const types: SType[] = [];
    for (const rt of getResourceTypes()) {
      const plan = memberPlan(rt, member);
      if (plan) types.push(plan.type);
    }
    type = unionType(types);
    resourceMemberTypes.set(member, type);
  }
  return type;
}
