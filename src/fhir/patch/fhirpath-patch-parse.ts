/** FHIRPath Patch: reading the Parameters resource into operations. */
import { badRequest, isPlainObject } from './common.js';

import { ELEMENT_NAME, KIND, OP_TYPES, PART_NAMES, REQUIRED, type Json, type OpType, type PartName, type PatchOperation } from './fhirpath-patch-types.js';

// ---------------------------------------------------------------------------------------------
// Parsing the Parameters resource
// ---------------------------------------------------------------------------------------------

export function parseOperations(params: unknown): PatchOperation[] {
  if (!isPlainObject(params) || params.resourceType !== 'Parameters') {
    return badRequest(`${KIND}: the patch must be a Parameters resource`);
  }
  const parameters = params.parameter ?? [];
  if (!Array.isArray(parameters)) {
    return badRequest(`${KIND}: Parameters.parameter must be an array`);
  }
  return parameters.map((param, n) => parseOperation(param, n));
}

export function parseOperation(param: unknown, n: number): PatchOperation {
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

export function stringOf(part: Json): string | undefined {
  for (const key of ['valueString', 'valueCode', 'valueUri']) {
    if (typeof part[key] === 'string') return part[key];
  }
  return undefined;
}

export function integerOf(part: Json): number | undefined {
  for (const key of ['valueInteger', 'valueUnsignedInt', 'valuePositiveInt']) {
    const v = part[key];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
  }
  return undefined;
}
