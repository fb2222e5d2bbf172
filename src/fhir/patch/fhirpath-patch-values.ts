/** FHIRPath Patch: converting value[x] / resource / nested parts to JSON of the target element's type. */
import { badRequest, deepCopy, FORBIDDEN_KEYS, isPlainObject, unprocessable } from './common.js';
import { elementInfo, type ElementInfo, isKnownType, isPrimitiveType, r4Model, typeFromSuffix } from './model.js';
import { BOOLEAN_TYPES, type Converted, ELEMENT_NAME, type Json, NUMBER_TYPES, type PatchOperation, describe } from './fhirpath-patch-types.js';

// ---------------------------------------------------------------------------------------------
// Value conversion: value[x] / resource / nested parts -> JSON
// ---------------------------------------------------------------------------------------------

/**
 * Convert a `value` part (or a nested part) to JSON. `expectedType` is the FHIR type (or backbone
 * element model path) of the target element when known; it is used to give nested parts the right
 * shape (lists for repeating elements, suffixed names for choice elements).
 */
export function convertValue(part: Json, expectedType: string | undefined, op: PatchOperation, what: string): Converted {
  const valueKeys = Object.keys(part).filter((k) => /^value[A-Z]/.test(k));
  const hasResource = part.resource !== undefined;
  const hasParts = part.part !== undefined;
  const count = valueKeys.length + (hasResource ? 1 : 0) + (hasParts ? 1 : 0);
  if (count === 0) {
    return badRequest(`${op.label}: ${what} has no value[x], resource or part`, op.expression);
  }
  if (count > 1) {
    return badRequest(
      `${op.label}: ${what} must have exactly one of value[x], resource or part ` +
        `(found ${[...valueKeys, ...(hasResource ? ['resource'] : []), ...(hasParts ? ['part'] : [])].join(', ')})`,
      op.expression,
    );
  }
  if (valueKeys.length === 1) {
    const key = valueKeys[0];
    const value = part[key];
    if (value === null || value === undefined) {
      return badRequest(`${op.label}: ${what} has an empty ${key}`, op.expression);
    }
    const ext = part[`_${key}`];
    return { value: deepCopy(value), suffix: key.slice('value'.length), ext: isPlainObject(ext) ? deepCopy(ext) : undefined };
  }
  if (hasResource) {
    if (!isPlainObject(part.resource) || typeof part.resource.resourceType !== 'string') {
      return badRequest(`${op.label}: ${what} has a 'resource' that is not a FHIR resource`, op.expression);
    }
    return { value: deepCopy(part.resource) };
  }
  if (!Array.isArray(part.part) || part.part.length === 0) {
    return badRequest(`${op.label}: ${what}.part must be a non-empty array`, op.expression);
  }
  return { value: buildObject(part.part, expectedType, op, what) };
}

/** Turn a list of named parts into a JSON object (a complex data type or backbone element). */
export function buildObject(parts: unknown[], typePath: string | undefined, op: PatchOperation, what: string): Json {
  const known = typePath !== undefined && isKnownType(typePath);
  const groups = new Map<string, { info?: ElementInfo; items: Converted[] }>();
  parts.forEach((sub, i) => {
    const subWhat = `${what}.part[${i}]`;
    if (!isPlainObject(sub) || typeof sub.name !== 'string' || !ELEMENT_NAME.test(sub.name) || FORBIDDEN_KEYS.has(sub.name)) {
      return badRequest(`${op.label}: ${subWhat} must have a name that is a valid element name`, op.expression);
    }
    const info = typePath ? elementInfo(typePath, sub.name) : undefined;
    if (known && !info) {
      return unprocessable(`${op.label}: ${subWhat}: '${sub.name}' is not an element of ${typePath}`, op.expression);
    }
    const converted = convertValue(sub, info?.type, op, subWhat);
    const key = elementKey(sub.name, info, converted, op, subWhat);
    const expected = info?.choiceTypes ? typeFromSuffix(key.slice(info.name.length)) : info?.type;
    checkType(converted, expected, op, `${subWhat} ('${key}')`);
    const group = groups.get(key) ?? { info, items: [] };
    group.items.push(converted);
    groups.set(key, group);
  });
  const obj: Json = {};
  for (const [key, { info, items }] of groups) {
    const repeating = info ? info.repeating : items.length > 1;
    if (!repeating && items.length > 1) {
      return unprocessable(`${op.label}: ${what}: '${key}' is not a repeating element but is given ${items.length} times`, op.expression);
    }
    if (repeating) {
      obj[key] = items.map((c) => c.value);
      if (items.some((c) => c.ext)) obj[`_${key}`] = items.map((c) => c.ext ?? null);
    } else {
      obj[key] = items[0].value;
      if (items[0].ext) obj[`_${key}`] = items[0].ext;
    }
  }
  return obj;
}

/**
 * The JSON property name for element `name` holding `converted`: for a choice element (`deceased`,
 * `value`) the type suffix of the value[x] is appended (`deceasedBoolean`), and must be one of the
 * allowed types.
 */
export function elementKey(name: string, info: ElementInfo | undefined, converted: Converted, op: PatchOperation, what: string): string {
  if (!info?.choiceTypes) return name;
  if (info.suffix) {
    if (converted.suffix && converted.suffix !== info.suffix) {
      return unprocessable(`${op.label}: ${what}: '${name}' cannot hold a value${converted.suffix}`, op.expression);
    }
    return name;
  }
  if (!converted.suffix) {
    return badRequest(
      `${op.label}: ${what}: '${name}' is a choice element (${name}[x]); give the value as value[x] so that its type is known`,
      op.expression,
    );
  }
  if (!info.choiceTypes.includes(converted.suffix)) {
    return unprocessable(
      `${op.label}: ${what}: ${name}[x] cannot be of type ${converted.suffix} (allowed: ${info.choiceTypes.join(', ')})`,
      op.expression,
    );
  }
  return name + converted.suffix;
}

/** Reject values whose JSON shape cannot be the expected FHIR type (e.g. a string for a HumanName). */
export function checkType(converted: Converted, expected: string | undefined, op: PatchOperation, what: string): void {
  if (!expected) return;
  const value = converted.value;
  const fail = (): never =>
    unprocessable(
      `${op.label}: ${what} must be of type ${expected}, got ${converted.suffix ? `value${converted.suffix}` : describe(value)}`,
      op.expression,
    );
  if (isPrimitiveType(expected)) {
    if (typeof value === 'object') fail();
    if (NUMBER_TYPES.has(expected) && typeof value !== 'number') fail();
    if (BOOLEAN_TYPES.has(expected) && typeof value !== 'boolean') fail();
    if (!NUMBER_TYPES.has(expected) && !BOOLEAN_TYPES.has(expected) && typeof value !== 'string') fail();
    return;
  }
  if (!isPlainObject(value)) fail();
  const suffix = converted.suffix;
  if (suffix && suffix !== expected && expected !== 'Resource' && !expected.includes('.')) {
    // Complex types: accept the same type or a specialisation either way (Age for Quantity, ...).
    if (isPrimitiveType(typeFromSuffix(suffix))) fail();
    if (!isAncestor(expected, suffix) && !isAncestor(suffix, expected)) fail();
  }
  if (expected === 'Resource' && typeof (value as Json).resourceType !== 'string') fail();
}

export function isAncestor(ancestor: string, type: string): boolean {
  for (let t: string | undefined = type, guard = 0; t && guard < 10; guard++) {
    if (t === ancestor) return true;
    t = parentType(t);
  }
  return false;
}

export function parentType(type: string): string | undefined {
  const info = r4Model as unknown as { type2Parent: Record<string, string> };
  return info.type2Parent[type];
}
