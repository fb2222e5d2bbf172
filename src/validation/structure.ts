import type { Invariant, InvariantEnv } from './invariants.js';
import type { Issue } from './issues.js';
import { LazyPath, constraintIssue, processingIssue, structureIssue, structureWarning } from './issues.js';
import type { PathLike } from './issues.js';
import { COMPLEX, PRIMITIVE, elementInvariants, resourceNode, rootInvariants, typeNode } from './structure-compile.js';
import type { ChoiceOption, ElementRule, KeyEntry, ReferenceTargets, TypeNode, TypeRef } from './structure-compile.js';
import { isEmptyValue, MergedPrimitive, mergePrimitiveExtension, nullScan, PrimitiveExtensionError } from './json.js';

/*
 * Validation of a resource against the base R4 definitions, in one walk over its JSON with the compiled type
 * nodes of structure-compile.ts. It gives the verdicts of @medplum/core's validateResource (unknown properties,
 * cardinality, JSON types and primitive formats, nulls, choice types, primitive extensions, contained and
 * nested resources, and the invariants core evaluates), at a fraction of its cost. Issue texts are core's;
 * paths name the JSON property (`Observation.valueQuantity.value`, where core says `value[x]`).
 *
 * Deliberately stricter than core (documented in validation-structure.test.ts): a number or boolean where an
 * object is expected, property names such as `constructor` or `toString` (core looks them up with `in` on a plain
 * object), a nested resource whose resourceType is not a concrete resource type, and the invariants that use
 * descendants()/children() (que-2, csd-1, sdf-9), which fhirpath.js evaluates and core's engine reads as empty.
 */

let element: TypeNode | undefined;

/**
 * Validate a resource whose resourceType is a known concrete resource type; appends the issues found.
 * @returns false when the resource type is unknown (nothing was validated).
 */
export function validateStructure(resource: Record<string, unknown>, issues: Issue[]): boolean {
  const resourceType = resource.resourceType;
  const node = typeof resourceType === 'string' ? resourceNode(resourceType) : undefined;
  if (!node) return false;
  const walker = new Walker(issues, resource);
  walker.invariants(rootInvariants(node), resource, node.path);
  walker.object(resource, node, node.path);
  return true;
}

class Walker {
  /** Resources entered so far: the last one is %resource of the invariants. */
  private readonly resources: unknown[];

  constructor(
    private readonly issues: Issue[],
    private readonly root: Record<string, unknown>,
  ) {
    this.resources = [root];
  }

  object(obj: Record<string, unknown>, node: TypeNode, path: PathLike): void {
    // Like core, any object with a resourceType property counts as a resource for %resource.
    const isResource = obj.resourceType !== undefined || 'resourceType' in obj;
    if (isResource) this.resources.push(obj);
    const names = Object.keys(obj);
    // Primitive extensions (`_x`) are rare: without any, no element needs to look for its `_x` sibling.
    let hasExt = false;
    for (let i = 0; i < names.length; i++) {
      if (names[i].charCodeAt(0) === 95) {
        hasExt = true;
        break;
      }
    }
    const keys = node.keys;
    for (let i = 0; i < names.length; i++) {
      const key = names[i];
      const value = obj[key];
      if (value === null) this.issues.push(structureIssue(`${path}.${key}`, 'Invalid null value'));
      if (key === 'resourceType') {
        // not an element, wherever it appears (as in core); only its nulls count
        if (value !== null && typeof value === 'object') nullScan(value, `${path}.${key}`, this.issues);
        continue;
      }
      const entry = keys.get(key);
      if (entry === undefined) {
        this.unknownKey(obj, node, key, path);
      } else if (entry.option) {
        this.choiceKey(obj, entry, entry.option, key, hasExt, path);
      } else if (!entry.isExt) {
        const rule = entry.rule;
        this.element(rule, rule.type as TypeRef, key, value, hasExt ? obj[rule.extKey] : undefined, rule.extKey, path);
      } else if (obj[entry.valueKey] === undefined) {
        const rule = entry.rule;
        this.element(rule, rule.type as TypeRef, rule.name, undefined, value, key, path);
      }
    }
    const required = node.required;
    for (let i = 0; i < required.length; i++) {
      const rule = required[i];
      if (!this.present(obj, rule)) this.issues.push(structureIssue(`${path}.${rule.elementKey}`, 'Missing required property'));
    }
    if (isResource) this.resources.pop();
  }

  /** One element: `value` under `key`, and `ext` under `extKey` (its primitive extensions). */
  private element(rule: ElementRule, type: TypeRef, key: string, value: unknown, ext: unknown, extKey: string, path: PathLike): void {
    if (Array.isArray(value)) this.nullItems(value, ext, path, key);
    if (ext) {
      if (Array.isArray(ext)) this.nullItems(ext, value, path, extKey);
      try {
        value = mergePrimitiveExtension(value, ext);
      } catch (err) {
        if (!(err instanceof PrimitiveExtensionError)) throw err;
        this.issues.push(structureIssue(`${path}.${extKey}`, err.message));
        return;
      }
    }
    if (isEmptyValue(value)) return; // absent: the required-element check reports it
    if (rule.isArray) {
      if (!Array.isArray(value)) {
        this.issues.push(structureIssue(`${path}.${key}`, 'Expected array of values for property'));
        return;
      }
      if (value.length < rule.min || value.length > rule.max) this.cardinality(rule, value.length);
      for (let i = 0; i < value.length; i++) this.item(value[i], rule, type, new LazyPath(path, key, i));
    } else {
      if (Array.isArray(value)) {
        this.issues.push(structureIssue(`${path}.${key}`, 'Expected single value for property'));
        return;
      }
      if (rule.min > 1 || rule.max < 1) this.cardinality(rule, 1);
      this.item(value, rule, type, new LazyPath(path, key, -1));
    }
  }

  private item(v: unknown, rule: ElementRule, type: TypeRef, path: PathLike): void {
    if (type.kind === PRIMITIVE) {
      let primitive = v;
      if (v !== null && typeof v === 'object') primitive = this.wrappedPrimitive(v, type, path);
      else type.check?.(v, path, this.issues);
      if (rule.constraints.length > 0 && primitive != null) this.invariants(elementInvariants(rule, type), primitive, path);
      return;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.issues.push(
        v === null || (Array.isArray(v) && v.length === 0)
          ? structureIssue(path, 'Invalid empty non-primitive value')
          : structureIssue(path, `Invalid JSON type: expected object, but got ${Array.isArray(v) ? 'array' : typeof v}`),
      );
      return;
    }
    const obj = v as Record<string, unknown>;
    let node: TypeNode | undefined;
    if (type.kind === COMPLEX) {
      node = type.node;
    } else {
      // A resource: by its resourceType; without one core validates it as a bare Resource.
      const rt = obj.resourceType;
      node = 'resourceType' in obj ? (typeof rt === 'string' ? resourceNode(rt) : undefined) : typeNode('Resource');
      if (!node) {
        const name = typeof rt === 'string' ? rt : JSON.stringify(rt);
        this.issues.push({ severity: 'error', code: 'invalid', details: { text: `Unknown data type: ${name}` }, expression: [`${path}.resourceType`] });
        return;
      }
    }
    if (isEmptyValue(obj)) this.issues.push(structureIssue(path, 'Invalid empty non-primitive value'));
    if (rule.constraints.length > 0) this.invariants(elementInvariants(rule, type), obj, path);
    if (rule.referenceTargets && type.code === 'Reference') this.reference(obj, rule.referenceTargets, path);
    if (node) this.object(obj, node, path);
  }

  /**
   * A primitive given as an object: merged with its `_x` extensions, or an object alone, which core treats as a
   * value-less element (its id and extensions).
   * @returns the primitive value, if any.
   */
  private wrappedPrimitive(v: object, type: TypeRef, path: PathLike): unknown {
    element ??= typeNode('Element') as TypeNode;
    if (!(v instanceof MergedPrimitive)) {
      this.object(v as Record<string, unknown>, element, path);
      return undefined;
    }
    type.check?.(v.value, path, this.issues);
    if (!isEmptyValue(v.ext)) this.object(v.ext, element, path);
    return v.value;
  }

  /** A key of a choice element (`valueQuantity`, `_valueString`): core validates the first type present only. */
  private choiceKey(obj: Record<string, unknown>, entry: KeyEntry, option: ChoiceOption, key: string, hasExt: boolean, path: PathLike): void {
    const rule = entry.rule;
    // Core picks the first type in definition order with a value or `_x`: only earlier types can win over this one.
    let chosen = option;
    for (const o of rule.choices as readonly ChoiceOption[]) {
      if (o === option) break;
      if (obj[o.key] !== undefined || (hasExt && obj[o.extKey] !== undefined)) {
        chosen = o;
        break;
      }
    }
    const value = obj[chosen.key];
    const ext = hasExt ? obj[chosen.extKey] : undefined;
    if (this.choiceEmpty(value, ext)) {
      this.issues.push(structureIssue(`${path}.${key}`, `Invalid additional property "${key}"`));
    } else if (chosen !== option) {
      this.conflicting(obj, key, chosen.key, path);
    } else if (!entry.isExt || value === undefined) {
      this.element(rule, option.type, option.key, value, ext, option.extKey, path);
    }
  }

  /**
   * A key no element defines. Core still accepts it when its camel-case prefix names a choice element that
   * has a value (`valueFoo` next to `valueString`: a warning); otherwise it is an error.
   */
  private unknownKey(obj: Record<string, unknown>, node: TypeNode, key: string, path: PathLike): void {
    const name = key.charCodeAt(0) === 95 ? key.slice(1) : key;
    for (let j = 1; j <= name.length; j++) {
      if (j < name.length && !isUpper(name.charCodeAt(j))) continue;
      const prefix = name.slice(0, j);
      const rule = node.choices.get(prefix);
      if (!rule) continue;
      const chosen = firstChoice(obj, rule);
      if (chosen && !this.choiceEmpty(obj[chosen.key], obj[chosen.extKey])) {
        this.conflicting(obj, key, chosen.key, path);
        return;
      }
      break;
    }
    this.issues.push(structureIssue(`${path}.${key}`, `Invalid additional property "${key}"`));
  }

  private conflicting(obj: Record<string, unknown>, key: string, chosenKey: string, path: PathLike): void {
    this.issues.push(structureWarning(`${path}.${key}`, `Conflicting choice of type properties: "${key}", "${chosenKey}"`));
    nullScan(obj[key], `${path}.${key}`, this.issues);
  }

  private choiceEmpty(value: unknown, ext: unknown): boolean {
    if (!ext) return isEmptyValue(value);
    try {
      return isEmptyValue(mergePrimitiveExtension(value, ext));
    } catch {
      return false; // reported when the element is validated
    }
  }

  private present(obj: Record<string, unknown>, rule: ElementRule): boolean {
    if (rule.choices) {
      const chosen = firstChoice(obj, rule);
      return !!chosen && !this.choiceEmpty(obj[chosen.key], obj[chosen.extKey]);
    }
    const ext = obj[rule.extKey];
    if (!ext) return !isEmptyValue(obj[rule.name]);
    try {
      return !isEmptyValue(mergePrimitiveExtension(obj[rule.name], ext));
    } catch {
      return true; // reported when the element is validated
    }
  }

  /** Core's rule for nulls in arrays: allowed only where the `_x` / `x` partner array has a value. */
  private nullItems(values: unknown[], partner: unknown, path: PathLike, key: string): void {
    for (let i = 0; i < values.length; i++) {
      if (values[i] === null && !(Array.isArray(partner) && partner[i])) {
        this.issues.push(structureIssue(new LazyPath(path, key, i), 'Invalid null value'));
      }
    }
  }

  private cardinality(rule: ElementRule, found: number): void {
    const max = Number.isFinite(rule.max) ? String(rule.max) : '*';
    this.issues.push(structureIssue(rule.defPath, `Invalid number of values: expected ${rule.min}..${max}, but found ${found}`));
  }

  /** Evaluate invariants on a value; like core, only the first one not met is reported. */
  invariants(list: readonly Invariant[], value: unknown, path: PathLike): void {
    if (list.length === 0) return;
    const env: InvariantEnv = { resource: this.resources[this.resources.length - 1], rootResource: this.root, context: [value] };
    for (const inv of list) {
      const met = inv.check(value, env);
      if (met === true) continue;
      if (met instanceof Error) {
        this.issues.push(processingIssue(path, 'Error evaluating invariant expression', { fhirpath: inv.expression, error: met.message }));
      }
      this.issues.push(constraintIssue(path, inv.key, inv.human, inv.expression));
      return;
    }
  }

  /** Core's reference target check (a warning): the referenced type must be one of the target profiles. */
  private reference(ref: Record<string, unknown>, targets: ReferenceTargets, path: PathLike): void {
    const reference = ref.reference;
    if (typeof reference !== 'string' || reference.charCodeAt(0) === 35 /* # */) return;
    const q = reference.indexOf('?');
    const slash = reference.indexOf('/');
    const type = q >= 0 ? reference.slice(0, q) : slash >= 0 ? reference.slice(0, slash) : reference;
    if (!type || targets.types.has(type)) return;
    this.issues.push(structureWarning(path, `Invalid reference: got "${type}", expected "${targets.profiles.join('", "')}"`));
  }
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** The option core picks for a choice element: the first type, in definition order, with a value or `_x`. */
function firstChoice(obj: Record<string, unknown>, rule: ElementRule): ChoiceOption | undefined {
  for (const option of rule.choices ?? []) {
    if (obj[option.key] !== undefined || obj[option.extKey] !== undefined) return option;
  }
  return undefined;
}
