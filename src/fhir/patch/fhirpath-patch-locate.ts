/** FHIRPath Patch: evaluating paths and locating the matched elements in the working copy. */
import fhirpath from 'fhirpath';
import { badRequest, isPlainObject, unprocessable } from './common.js';
import { elementInfo, isKnownType, r4Model } from './model.js';
import { type Converted, type FpNode, type Json, type Location, type PatchOperation, own } from './fhirpath-patch-types.js';

// ---------------------------------------------------------------------------------------------
// Path evaluation and locating matches in the working copy
// ---------------------------------------------------------------------------------------------

export function isNode(x: unknown): x is FpNode {
  return typeof x === 'object' && x !== null && 'parentResNode' in x && 'data' in x;
}

export function evaluate(work: Json, expr: string, op: PatchOperation): unknown[] {
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
export function reachableFrom(root: unknown): Set<object> {
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
export function actualKey(container: Json, propName: string, type: string | null): string | undefined {
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

export function locate(node: FpNode, reachable: Set<object>): Location | undefined {
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
export function locateAll(work: Json, op: PatchOperation): Location[] {
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

export function single(locations: Location[], op: PatchOperation): Location {
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
export function nodeTypePath(node: FpNode): string | undefined {
  if (isPlainObject(node.data) && typeof node.data.resourceType === 'string') return node.data.resourceType;
  const t = node.fhirNodeDataType;
  if (t === 'BackboneElement' || t === 'Element') return node.path ?? undefined;
  return t ?? node.path ?? undefined;
}

/** Model type path of the object that contains a location. */
export function containerTypePath(loc: Location): string | undefined {
  const parent = loc.node.parentResNode;
  if (!parent) return undefined;
  if (!isPlainObject(parent.data)) return 'Element'; // the `_name` sibling of a primitive
  return nodeTypePath(parent);
}

export interface ListTarget {
  container: Json;
  key: string;
  typePath?: string;
}

/**
 * Resolve the path of an insert/move to a list: all matches must be the complete contents of one
 * repeating element. If the path matches nothing (an empty or absent list), the expression is split
 * into `<parent>.<name>` and the parent must select exactly one element.
 */
export function resolveList(work: Json, op: PatchOperation): ListTarget {
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
export function resolveParent(work: Json, expr: string, op: PatchOperation): { container: Json; typePath?: string; node: FpNode } {
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

export function shadowList(container: Json, key: string, length: number, create: boolean): (Json | null)[] | undefined {
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

export function insertAt(container: Json, key: string, index: number, converted: Converted): void {
  const list = (own(container, key) ?? []) as unknown[];
  const shadow = shadowList(container, key, list.length, converted.ext !== undefined);
  list.splice(index, 0, converted.value);
  shadow?.splice(index, 0, converted.ext ?? null);
  container[key] = list;
}
