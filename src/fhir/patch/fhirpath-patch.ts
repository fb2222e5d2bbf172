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
import fhirpath from 'fhirpath';
import { assertResource, assertSameIdentity, badRequest, deepCopy, FORBIDDEN_KEYS, isPlainObject, unprocessable } from './common.js';
import { elementInfo, type ElementInfo, isKnownType, isPrimitiveType, r4Model, typeFromSuffix } from './model.js';

const KIND = 'FHIRPath Patch';
const OP_TYPES = ['add', 'insert', 'delete', 'replace', 'move'] as const;
type OpType = (typeof OP_TYPES)[number];
const PART_NAMES = ['type', 'path', 'name', 'value', 'index', 'source', 'destination'] as const;
type PartName = (typeof PART_NAMES)[number];
const REQUIRED: Record<OpType, PartName[]> = {
  add: ['path', 'name', 'value'],
  insert: ['path', 'value', 'index'],
  delete: ['path'],
  replace: ['path', 'value'],
  move: ['path', 'source', 'destination'],
};
const ELEMENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** FHIR primitive types whose JSON representation is a number / a boolean (everything else is a string). */
const NUMBER_TYPES = new Set(['integer', 'decimal', 'positiveInt', 'unsignedInt', 'integer64', 'System.Integer', 'System.Decimal']);
const BOOLEAN_TYPES = new Set(['boolean', 'System.Boolean']);

type Json = Record<string, unknown>;

interface PatchOperation {
  /** 0-based position of the operation in Parameters.parameter. */
  n: number;
  type: OpType;
  path: string;
  name?: string;
  value?: Json;
  index?: number;
  source?: number;
  destination?: number;
  /** Prefix for diagnostics: `FHIRPath Patch operation 2 (replace Patient.birthDate)`. */
  label: string;
  expression: string[];
}

/** The subset of fhirpath.js's ResourceNode that is used here. */
interface FpNode {
  data: unknown;
  _data?: unknown;
  parentResNode: FpNode | null;
  path: string | null;
  propName: string | null;
  index: number | null;
  fhirNodeDataType: string | null;
}

/** Where a matched element lives in the working copy: `container[key]` or `container[key][index]`. */
interface Location {
  node: FpNode;
  container: Json;
  key: string;
  index: number | null;
}

/** A value[x] / resource / nested-part value converted to JSON. */
interface Converted {
  value: unknown;
  /** The value[x] type suffix (`String`, `HumanName`), when the value came from value[x]. */
  suffix?: string;
  /** The `_value[x]` primitive extension sibling, if the part carried one. */
  ext?: Json;
}

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
// Parsing the Parameters resource
// ---------------------------------------------------------------------------------------------

function parseOperations(params: unknown): PatchOperation[] {
  if (!isPlainObject(params) || params.resourceType !== 'Parameters') {
    return badRequest(`${KIND}: the patch must be a Parameters resource`);
  }
  const parameters = params.parameter ?? [];
  if (!Array.isArray(parameters)) {
    return badRequest(`${KIND}: Parameters.parameter must be an array`);
  }
  return parameters.map((param, n) => parseOperation(param, n));
}

function parseOperation(param: unknown, n: number): PatchOperation {
  const where = `${KIND} operation ${n}`;
  const expression = [`Parameters.parameter[${n}]`];
  if (!isPlainObject(param)) return badRequest(`${where}: must be an object`, expression);
  if (param.name !== 'operation') {
    return badRequest(
      `${where}: every parameter must be named 'operation' (got ${JSON.stringify(param.name ?? null)})`,
      expression,
    );
  }
  if (!Array.isArray(param.part) || param.part.length === 0) {
    return badRequest(`${where}: an operation needs parts (type, path, ...)`, expression);
  }
  const parts = new Map<PartName, Json>();
  param.part.forEach((part: unknown, p: number) => {
    const at = [`Parameters.parameter[${n}].part[${p}]`];
    if (!isPlainObject(part) || typeof part.name !== 'string') {
      return badRequest(`${where}: part ${p} must be an object with a name`, at);
    }
    if (!(PART_NAMES as readonly string[]).includes(part.name)) {
      return badRequest(
        `${where}: unknown part '${part.name}' (expected one of ${PART_NAMES.join(', ')})`,
        at,
      );
    }
    if (parts.has(part.name as PartName)) {
      return badRequest(`${where}: part '${part.name}' is given more than once`, at);
    }
    parts.set(part.name as PartName, part);
  });

  const typePart = parts.get('type');
  const type = typePart ? stringOf(typePart) : undefined;
  if (!type || !(OP_TYPES as readonly string[]).includes(type)) {
    return badRequest(
      `${where}: part 'type' must be a code, one of ${OP_TYPES.join(' | ')} ` +
        `(got ${type === undefined ? 'nothing' : JSON.stringify(type)})`,
      expression,
    );
  }
  const opType = type as OpType;
  for (const required of REQUIRED[opType]) {
    if (!parts.has(required)) {
      return badRequest(`${where} (${opType}): part '${required}' is required`, expression);
    }
  }
  const path = stringOf(parts.get('path')!);
  if (!path || !path.trim()) {
    return badRequest(`${where} (${opType}): part 'path' must be a non-empty valueString`, expression);
  }
  const op: PatchOperation = {
    n,
    type: opType,
    path,
    label: `${where} (${opType} ${path})`,
    expression,
  };
  if (REQUIRED[opType].includes('name')) {
    const name = stringOf(parts.get('name')!);
    if (name === undefined || !ELEMENT_NAME.test(name)) {
      return badRequest(
        `${op.label}: part 'name' must be a valueString holding an element name ` +
          `(got ${name === undefined ? 'nothing' : JSON.stringify(name)})`,
        expression,
      );
    }
    op.name = name;
  }
  if (REQUIRED[opType].includes('value')) op.value = parts.get('value');
  for (const key of ['index', 'source', 'destination'] as const) {
    if (!REQUIRED[opType].includes(key)) continue;
    const int = integerOf(parts.get(key)!);
    if (int === undefined) {
      return badRequest(`${op.label}: part '${key}' must be a valueInteger`, expression);
    }
    op[key] = int;
  }
  return op;
}

function stringOf(part: Json): string | undefined {
  for (const key of ['valueString', 'valueCode', 'valueUri']) {
    if (typeof part[key] === 'string') return part[key];
  }
  return undefined;
}

function integerOf(part: Json): number | undefined {
  for (const key of ['valueInteger', 'valueUnsignedInt', 'valuePositiveInt']) {
    const v = part[key];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Value conversion: value[x] / resource / nested parts -> JSON
// ---------------------------------------------------------------------------------------------

/**
 * Convert a `value` part (or a nested part) to JSON. `expectedType` is the FHIR type (or backbone
 * element model path) of the target element when known; it is used to give nested parts the right
 * shape (lists for repeating elements, suffixed names for choice elements).
 */
function convertValue(part: Json, expectedType: string | undefined, op: PatchOperation, what: string): Converted {
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
function buildObject(parts: unknown[], typePath: string | undefined, op: PatchOperation, what: string): Json {
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
function elementKey(name: string, info: ElementInfo | undefined, converted: Converted, op: PatchOperation, what: string): string {
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
function checkType(converted: Converted, expected: string | undefined, op: PatchOperation, what: string): void {
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

function isAncestor(ancestor: string, type: string): boolean {
  for (let t: string | undefined = type, guard = 0; t && guard < 10; guard++) {
    if (t === ancestor) return true;
    t = parentType(t);
  }
  return false;
}

function parentType(type: string): string | undefined {
  const info = r4Model as unknown as { type2Parent: Record<string, string> };
  return info.type2Parent[type];
}

// ---------------------------------------------------------------------------------------------
// Path evaluation and locating matches in the working copy
// ---------------------------------------------------------------------------------------------

function isNode(x: unknown): x is FpNode {
  return typeof x === 'object' && x !== null && 'parentResNode' in x && 'data' in x;
}

function evaluate(work: Json, expr: string, op: PatchOperation): unknown[] {
  try {
    const result: unknown = fhirpath.evaluate(work, expr, { resource: work, rootResource: work }, r4Model, {
      resolveInternalTypes: false,
    });
    if (!Array.isArray(result)) {
      return badRequest(`${op.label}: the path must evaluate synchronously`, op.expression);
    }
    return result;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return badRequest(`${op.label}: cannot evaluate FHIRPath ${JSON.stringify(expr)}: ${msg}`, op.expression);
  }
}

/** Every object and array in the working copy: containers must be in here before they are edited. */
function reachableFrom(root: unknown): Set<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    for (const child of Object.values(v)) stack.push(child);
  }
  return seen;
}

/**
 * The JSON property that holds node `propName` in `container`. fhirpath.js reports choice elements
 * by their base name (`deceased`, `value`); the JSON property carries the type suffix.
 */
function actualKey(container: Json, propName: string, type: string | null): string | undefined {
  if (Object.prototype.hasOwnProperty.call(container, propName)) return propName;
  if (type) {
    const name = propName + type.replace(/^System\./, '').charAt(0).toUpperCase() + type.replace(/^System\./, '').slice(1);
    if (Object.prototype.hasOwnProperty.call(container, name)) return name;
  }
  const candidates = Object.keys(container).filter(
    (k) => k.length > propName.length && k.startsWith(propName) && /[A-Z]/.test(k.charAt(propName.length)),
  );
  return candidates.length === 1 ? candidates[0] : undefined;
}

function locate(node: FpNode, reachable: Set<object>): Location | undefined {
  const parent = node.parentResNode;
  if (!parent || node.propName === null || node.propName === undefined) return undefined;
  // Children of a primitive (its id / extension) live in the `_name` sibling object, which
  // fhirpath.js keeps as the parent's `_data`.
  const container = isPlainObject(parent.data) ? parent.data : isPlainObject(parent._data) ? parent._data : undefined;
  if (!container || !reachable.has(container)) return undefined;
  const key = actualKey(container, node.propName, node.fhirNodeDataType);
  if (key === undefined) return undefined;
  const value = container[key];
  if (Array.isArray(value)) {
    if (node.index === null || node.index === undefined || node.index < 0 || node.index >= value.length) return undefined;
    return { node, container, key, index: node.index };
  }
  return { node, container, key, index: null };
}

/** Evaluate and locate all matches (deduplicated by location). Non-element results are an error. */
function locateAll(work: Json, op: PatchOperation): Location[] {
  const results = evaluate(work, op.path, op);
  const reachable = reachableFrom(work);
  const seen = new Set<string>();
  const containerIds = new Map<object, number>();
  const locations: Location[] = [];
  for (const r of results) {
    if (isNode(r) && r.parentResNode === null && r.data === work) {
      return unprocessable(`${op.label}: the path selects the resource itself; ${op.type} needs an element of it`, op.expression);
    }
    const loc = isNode(r) ? locate(r, reachable) : undefined;
    if (!loc) {
      return unprocessable(
        `${op.label}: the path selects something that is not an element of the resource being patched ` +
          `(literal, computed value or other resource)`,
        op.expression,
      );
    }
    if (!containerIds.has(loc.container)) containerIds.set(loc.container, containerIds.size);
    const id = `${containerIds.get(loc.container)}|${loc.key}|${loc.index}`;
    if (seen.has(id)) continue;
    seen.add(id);
    locations.push(loc);
  }
  return locations;
}

function single(locations: Location[], op: PatchOperation): Location {
  if (locations.length === 0) {
    return unprocessable(`${op.label}: the path matches no element`, op.expression);
  }
  if (locations.length > 1) {
    return unprocessable(
      `${op.label}: the path matches ${locations.length} elements; exactly one is required`,
      op.expression,
    );
  }
  return locations[0];
}

/** The model type path of a node's data: `Patient`, `HumanName`, `Patient.contact`, `string`. */
function nodeTypePath(node: FpNode): string | undefined {
  if (isPlainObject(node.data) && typeof node.data.resourceType === 'string') return node.data.resourceType;
  const t = node.fhirNodeDataType;
  if (t === 'BackboneElement' || t === 'Element') return node.path ?? undefined;
  return t ?? node.path ?? undefined;
}

/** Model type path of the object that contains a location. */
function containerTypePath(loc: Location): string | undefined {
  const parent = loc.node.parentResNode;
  if (!parent) return undefined;
  if (!isPlainObject(parent.data)) return 'Element'; // the `_name` sibling of a primitive
  return nodeTypePath(parent);
}

interface ListTarget {
  container: Json;
  key: string;
  typePath?: string;
}

/**
 * Resolve the path of an insert/move to a list: all matches must be the complete contents of one
 * repeating element. If the path matches nothing (an empty or absent list), the expression is split
 * into `<parent>.<name>` and the parent must select exactly one element.
 */
function resolveList(work: Json, op: PatchOperation): ListTarget {
  const locations = locateAll(work, op);
  if (locations.length > 0) {
    const first = locations[0];
    if (locations.some((l) => l.container !== first.container || l.key !== first.key)) {
      return unprocessable(`${op.label}: the path matches elements of more than one list; it must select a single list`, op.expression);
    }
    const list = first.container[first.key];
    if (!Array.isArray(list)) {
      return unprocessable(`${op.label}: the path does not select a list (repeating element)`, op.expression);
    }
    if (locations.length !== list.length) {
      return unprocessable(
        `${op.label}: the path selects ${locations.length} of the ${list.length} items of '${first.key}'; it must select the whole list`,
        op.expression,
      );
    }
    return { container: first.container, key: first.key, typePath: containerTypePath(first) };
  }
  const m = /^([\s\S]+)\.([A-Za-z][A-Za-z0-9_]*)\s*$/.exec(op.path.trim());
  if (!m) {
    return unprocessable(`${op.label}: the path matches no element`, op.expression);
  }
  const [, parentExpr, name] = m;
  const parent = resolveParent(work, parentExpr, op);
  const info = parent.typePath ? elementInfo(parent.typePath, name) : undefined;
  if (parent.typePath && isKnownType(parent.typePath) && !info) {
    return unprocessable(`${op.label}: '${name}' is not an element of ${parent.typePath}`, op.expression);
  }
  if (info && !info.repeating) {
    return unprocessable(`${op.label}: '${name}' is not a repeating element`, op.expression);
  }
  const existing = own(parent.container, name);
  if (existing !== undefined && !Array.isArray(existing)) {
    return unprocessable(`${op.label}: '${name}' is not a list`, op.expression);
  }
  return { container: parent.container, key: name, typePath: parent.typePath };
}

/** Evaluate an expression that must select exactly one object-valued element (or the resource). */
function resolveParent(work: Json, expr: string, op: PatchOperation): { container: Json; typePath?: string; node: FpNode } {
  const results = evaluate(work, expr, op);
  const reachable = reachableFrom(work);
  const nodes = results.filter(isNode);
  const unique = [...new Set(nodes.map((n) => n.data))];
  if (nodes.length !== results.length) {
    return unprocessable(`${op.label}: '${expr}' selects something that is not an element of the resource being patched`, op.expression);
  }
  if (unique.length === 0) {
    return unprocessable(`${op.label}: '${expr}' matches no element`, op.expression);
  }
  if (unique.length > 1) {
    return unprocessable(`${op.label}: '${expr}' matches ${unique.length} elements; exactly one is required`, op.expression);
  }
  const node = nodes[0];
  if (!isPlainObject(node.data) || !reachable.has(node.data)) {
    return unprocessable(`${op.label}: '${expr}' does not select a complex element of the resource`, op.expression);
  }
  return { container: node.data, typePath: nodeTypePath(node), node };
}

// ---------------------------------------------------------------------------------------------
// `_name` siblings of primitive lists (id / extensions of primitive items) kept aligned
// ---------------------------------------------------------------------------------------------

function shadowList(container: Json, key: string, length: number, create: boolean): (Json | null)[] | undefined {
  const skey = `_${key}`;
  let shadow = container[skey];
  if (!Array.isArray(shadow)) {
    if (!create) return undefined;
    shadow = [];
    container[skey] = shadow;
  }
  const list = shadow as (Json | null)[];
  while (list.length < length) list.push(null);
  return list;
}

function insertAt(container: Json, key: string, index: number, converted: Converted): void {
  const list = (own(container, key) ?? []) as unknown[];
  const shadow = shadowList(container, key, list.length, converted.ext !== undefined);
  list.splice(index, 0, converted.value);
  shadow?.splice(index, 0, converted.ext ?? null);
  container[key] = list;
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
function own(obj: Json, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
