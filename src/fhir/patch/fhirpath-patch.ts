/**
 * FHIRPath Patch (FHIR R4, http://hl7.org/fhir/R4/fhirpatch.html) for the FHIR `patch` interaction.
 *
 * The patch is a Parameters resource with one `operation` parameter per change, applied in order.
 * Each operation has parts `type` (add | insert | delete | replace | move), `path` (FHIRPath),
 * and, depending on the type, `name`, `value`, `index`, `source`, `destination`.
 *
 * How it works: the resource is deep-copied, then for each operation the path is evaluated with
 * fhirpath.js (R4 model, `resolveInternalTypes: false`) against the copy. The result is a list of
 * ResourceNode objects that know their parent node, property name and array index, which gives the
 * *location* of each match (container object + key + index) inside the copy; the operation then edits
 * the copy's JS objects directly. Every container is checked to be part of the copy before it is
 * touched, so an expression that yields values from elsewhere (literals, env variables) cannot be
 * used as a target.
 *
 * Status codes:
 *   - malformed Parameters / operation (missing or mistyped parts, bad FHIRPath syntax) -> 400
 *   - path matches several elements where one is required, nothing where something is
 *     required, index/source/destination out of range, wrong value type, unknown element,
 *     `add` to a singleton that already has a value                                    -> 422
 *   - the result changes resourceType or id                                             -> 400
 * Diagnostics always name the operation: `FHIRPath Patch operation 2 (replace Patient.birthDate)`.
 */
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { assertResource, assertSameIdentity, badRequest, deepCopy, FORBIDDEN_KEYS, isPlainObject, unprocessable } from './common.js';
import { containerTypePath, evaluate, insertAt, isNode, locate, locateAll, nodeTypePath, reachableFrom, resolveList, shadowList, single } from './fhirpath-patch-locate.js';
import { parseOperations } from './fhirpath-patch-parse.js';
import { KIND, own, type Json, type Location, type PatchOperation } from './fhirpath-patch-types.js';
import { elementInfo, isKnownType, typeFromSuffix } from './model.js';
import { checkType, convertValue, elementKey, parentType } from './fhirpath-patch-values.js';

/** Apply a FHIRPath Patch (Parameters resource) to a resource and return the patched copy. */
export function applyFhirPathPatch(resource: Resource, params: Parameters): Resource {
  assertResource(resource, 'applyFhirPathPatch');
  const operations = parseOperations(params);
  const work = deepCopy(resource) as unknown as Json;
  for (const op of operations) {
    switch (op.type) {
      case 'add':
        doAdd(work, op);
        break;
      case 'insert':
        doInsert(work, op);
        break;
      case 'delete':
        doDelete(work, op);
        break;
      case 'replace':
        doReplace(work, op);
        break;
      case 'move':
        doMove(work, op);
        break;
    }
  }
  prune(work);
  return assertSameIdentity(resource, work, KIND);
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

function doAdd(work: Json, op: PatchOperation): void {
  const name = op.name!;
  const results = evaluate(work, op.path, op);
  const reachable = reachableFrom(work);
  if (results.length === 0) return void unprocessable(`${op.label}: the path matches no element`, op.expression);
  const nodes = results.filter(isNode);
  if (nodes.length !== results.length) {
    return void unprocessable(`${op.label}: the path selects something that is not an element of the resource being patched`, op.expression);
  }
  const distinct = [...new Set(nodes.map((n) => n.data))];
  if (distinct.length > 1 || (nodes.length > 1 && !isPlainObject(nodes[0].data))) {
    return void unprocessable(`${op.label}: the path matches ${nodes.length} elements; exactly one is required`, op.expression);
  }
  const node = nodes[0];

  let target: Json;
  let typePath: string | undefined;
  if (isPlainObject(node.data)) {
    if (!reachable.has(node.data)) {
      return void unprocessable(`${op.label}: the path does not select an element of the resource being patched`, op.expression);
    }
    target = node.data;
    typePath = nodeTypePath(node);
  } else {
    // Adding `extension` / `id` to a primitive: they go into its `_name` sibling.
    const loc = locate(node, reachable);
    if (!loc) return void unprocessable(`${op.label}: the path does not select an element of the resource`, op.expression);
    if (name !== 'extension' && name !== 'id') {
      return void unprocessable(`${op.label}: a primitive element can only get 'id' or 'extension', not '${name}'`, op.expression);
    }
    target = primitiveShadow(loc);
    typePath = 'Element';
  }
  if (FORBIDDEN_KEYS.has(name)) return void badRequest(`${op.label}: '${name}' is not an element name`, op.expression);

  const info = typePath ? elementInfo(typePath, name) : undefined;
  if (typePath && isKnownType(typePath) && !info) {
    return void unprocessable(`${op.label}: '${name}' is not an element of ${typePath}`, op.expression);
  }
  const converted = convertValue(op.value!, info?.type, op, 'value');
  const key = elementKey(name, info, converted, op, 'value');
  const expected = info?.choiceTypes ? typeFromSuffix(key.slice(info.name.length)) : info?.type;
  checkType(converted, expected, op, `value for '${key}'`);

  const existing = own(target, key);
  const repeating = info ? info.repeating : Array.isArray(existing);
  if (repeating) {
    if (existing !== undefined && !Array.isArray(existing)) {
      return void unprocessable(`${op.label}: '${key}' holds a single value, not a list`, op.expression);
    }
    insertAt(target, key, Array.isArray(existing) ? existing.length : 0, converted);
    return;
  }
  const present = info?.choiceTypes
    ? Object.keys(target).find((k) => k !== info.name && info.choiceTypes!.some((t) => k === info.name + t))
    : existing !== undefined
      ? key
      : undefined;
  if (present !== undefined) {
    return void unprocessable(
      `${op.label}: '${present}' already has a value and is not a list; use a replace operation`,
      op.expression,
    );
  }
  target[key] = converted.value;
  if (converted.ext) target[`_${key}`] = converted.ext;
}

/** The `_name` sibling object that holds a primitive's id/extension (created if absent). */
function primitiveShadow(loc: Location): Json {
  const skey = `_${loc.key}`;
  if (loc.index === null) {
    const existing = loc.container[skey];
    if (isPlainObject(existing)) return existing;
    const created: Json = {};
    loc.container[skey] = created;
    return created;
  }
  const list = loc.container[loc.key] as unknown[];
  const shadow = shadowList(loc.container, loc.key, list.length, true)!;
  const existing = shadow[loc.index];
  if (isPlainObject(existing)) return existing;
  const created: Json = {};
  shadow[loc.index] = created;
  return created;
}

function doInsert(work: Json, op: PatchOperation): void {
  const list = resolveList(work, op);
  const current = (own(list.container, list.key) ?? []) as unknown[];
  const index = op.index!;
  if (index < 0 || index > current.length) {
    return void unprocessable(
      `${op.label}: index ${index} is out of range (the list '${list.key}' has ${current.length} items; index must be 0..${current.length})`,
      op.expression,
    );
  }
  const info = list.typePath ? elementInfo(list.typePath, list.key) : undefined;
  const converted = convertValue(op.value!, info?.type, op, 'value');
  checkType(converted, info?.type, op, `value for '${list.key}'`);
  insertAt(list.container, list.key, index, converted);
}

function doDelete(work: Json, op: PatchOperation): void {
  const locations = locateAll(work, op);
  if (locations.length === 0) return; // deleting something that is not there is not an error
  const loc = single(locations, op);
  const { container, key, index } = loc;
  if (index !== null) {
    const list = container[key] as unknown[];
    const shadow = shadowList(container, key, list.length, false);
    list.splice(index, 1);
    shadow?.splice(index, 1);
    if (list.length === 0) {
      delete container[key];
      delete container[`_${key}`];
    }
  } else {
    delete container[key];
    delete container[`_${key}`];
  }
}

function doReplace(work: Json, op: PatchOperation): void {
  const loc = single(locateAll(work, op), op);
  const { node, container, key, index } = loc;
  const parentType = containerTypePath(loc);
  const info = parentType && node.propName ? elementInfo(parentType, node.propName) : undefined;

  if (info?.choiceTypes) {
    // Choice element: the new value may have a different type, which changes the JSON name.
    const currentSuffix = key.slice(info.name.length);
    const converted = convertValue(op.value!, currentSuffix ? typeFromSuffix(currentSuffix) : undefined, op, 'value');
    const suffix = converted.suffix ?? currentSuffix;
    if (!info.choiceTypes.includes(suffix)) {
      return void unprocessable(
        `${op.label}: ${info.name}[x] cannot be of type ${suffix} (allowed: ${info.choiceTypes.join(', ')})`,
        op.expression,
      );
    }
    if (info.suffix && info.suffix !== suffix) {
      return void unprocessable(`${op.label}: '${key}' cannot hold a value${suffix}`, op.expression);
    }
    checkType(converted, typeFromSuffix(suffix), op, `value for '${info.name}[x]'`);
    delete container[key];
    delete container[`_${key}`];
    const newKey = info.name + suffix;
    container[newKey] = converted.value;
    if (converted.ext) container[`_${newKey}`] = converted.ext;
    return;
  }

  const expected = info?.type ?? nodeTypePath(node);
  const converted = convertValue(op.value!, expected, op, 'value');
  checkType(converted, expected, op, `value for '${key}'`);
  if (index !== null) {
    const list = container[key] as unknown[];
    list[index] = converted.value;
    const shadow = shadowList(container, key, list.length, converted.ext !== undefined);
    if (shadow) shadow[index] = converted.ext ?? null;
  } else {
    container[key] = converted.value;
    if (converted.ext) container[`_${key}`] = converted.ext;
    else delete container[`_${key}`];
  }
}

function doMove(work: Json, op: PatchOperation): void {
  const target = resolveList(work, op);
  const list = (own(target.container, target.key) ?? []) as unknown[];
  const { source, destination } = op as Required<Pick<PatchOperation, 'source' | 'destination'>>;
  for (const [what, i] of [
    ['source', source],
    ['destination', destination],
  ] as const) {
    if (i < 0 || i >= list.length) {
      return void unprocessable(
        `${op.label}: ${what} ${i} is out of range (the list '${target.key}' has ${list.length} items)`,
        op.expression,
      );
    }
  }
  const shadow = shadowList(target.container, target.key, list.length, false);
  const [item] = list.splice(source, 1);
  list.splice(destination, 0, item);
  if (shadow) {
    const [s] = shadow.splice(source, 1);
    shadow.splice(destination, 0, s);
  }
}

// ---------------------------------------------------------------------------------------------
// Clean-up
// ---------------------------------------------------------------------------------------------

/**
 * FHIR JSON has no empty objects or arrays: after deletes, drop properties that became `{}` / `[]`,
 * turn emptied `_name` list entries into null and drop `_name` lists that are all null.
 */
function prune(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) {
      if (prune(value[i])) value.splice(i, 1);
    }
    return value.length === 0;
  }
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (key.startsWith('_') && Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== null && prune(v[i])) v[i] = null;
      if (v.every((x) => x === null)) delete value[key];
      continue;
    }
    if (prune(v)) delete value[key];
  }
  return Object.keys(value).length === 0;
}

/** An own property of a JSON object (never something inherited from Object.prototype). */

