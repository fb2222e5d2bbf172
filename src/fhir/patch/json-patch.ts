/**
 * JSON Patch (RFC 6902, `application/json-patch+json`) for the FHIR `patch` interaction.
 *
 * Pure: the input resource is never mutated; the patch is applied to a deep copy with `rfc6902`.
 * Each operation is validated and applied one at a time so that errors can name the offending
 * operation (by its 0-based index) in the OperationOutcome diagnostics.
 *
 *   - body is not an array / an operation is malformed          -> 400
 *   - a `test` operation fails                                  -> 422
 *   - a path / from that does not exist in the current document -> 422
 *   - the result changes `resourceType` or `id`                 -> 400
 */
import type { Resource } from '@medplum/fhirtypes';
import { applyPatch, type Operation } from 'rfc6902';
import { assertResource, assertSameIdentity, badRequest, deepCopy, FORBIDDEN_KEYS, isPlainObject, unprocessable } from './common.js';

const KIND = 'JSON Patch';
const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
type OpName = (typeof OPS)[number];
const NEEDS_VALUE: ReadonlySet<OpName> = new Set(['add', 'replace', 'test']);
const NEEDS_FROM: ReadonlySet<OpName> = new Set(['move', 'copy']);
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** Apply an RFC 6902 JSON Patch document to a resource and return the patched copy. */
export function applyJsonPatch(resource: Resource, body: unknown): Resource {
  assertResource(resource, 'applyJsonPatch');
  if (!Array.isArray(body)) {
    return badRequest(
      `${KIND}: the request body must be a JSON array of RFC 6902 operations ` +
        `(got ${describe(body)}); use Content-Type application/json-patch+json`,
    );
  }
  const ops = body.map((raw, i) => validateOperation(raw, i));

  const work: unknown = deepCopy(resource);
  ops.forEach((op, i) => {
    const label = `${KIND} operation ${i} (${op.op} ${JSON.stringify(op.path)})`;
    checkPointers(work, op, label);
    const [result] = applyPatch(work, [op]);
    if (!result) return;
    switch (result.name) {
      case 'TestError':
        return unprocessable(
          `${label}: test failed: expected ${preview(op.op === 'test' ? op.value : undefined)}, ` +
            `found ${preview((result as { actual?: unknown }).actual)}`,
        );
      case 'MissingError':
        return unprocessable(
          `${label}: path ${JSON.stringify((result as { path?: string }).path ?? op.path)} ` +
            `does not exist in the resource (or is not a valid target for this operation)`,
        );
      default:
        return badRequest(`${label}: invalid operation (${result.message})`);
    }
  });

  return assertSameIdentity(resource, work, KIND);
}

function validateOperation(raw: unknown, i: number): Operation {
  const where = `${KIND} operation ${i}`;
  if (!isPlainObject(raw)) {
    return badRequest(`${where}: each operation must be a JSON object (got ${describe(raw)})`);
  }
  const op = raw.op;
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    return badRequest(
      `${where}: 'op' must be one of ${OPS.join(', ')} (got ${op === undefined ? 'nothing' : JSON.stringify(op)})`,
    );
  }
  if (typeof raw.path !== 'string') {
    return badRequest(`${where} (${op}): 'path' must be a JSON Pointer string`);
  }
  validatePointerSyntax(raw.path, `${where} (${op})`, 'path');
  if (NEEDS_VALUE.has(op as OpName) && !Object.prototype.hasOwnProperty.call(raw, 'value')) {
    return badRequest(`${where} (${op} ${JSON.stringify(raw.path)}): 'value' is required`);
  }
  if (NEEDS_FROM.has(op as OpName)) {
    if (typeof raw.from !== 'string') {
      return badRequest(`${where} (${op} ${JSON.stringify(raw.path)}): 'from' must be a JSON Pointer string`);
    }
    validatePointerSyntax(raw.from, `${where} (${op})`, 'from');
  }
  return raw as unknown as Operation;
}

function validatePointerSyntax(pointer: string, where: string, member: 'path' | 'from'): void {
  if (pointer !== '' && !pointer.startsWith('/')) {
    badRequest(`${where}: '${member}' ${JSON.stringify(pointer)} is not a JSON Pointer (must be empty or start with '/')`);
  }
  if (/~(?![01])/.test(pointer)) {
    badRequest(`${where}: '${member}' ${JSON.stringify(pointer)} contains an invalid '~' escape`);
  }
  for (const token of tokens(pointer)) {
    if (FORBIDDEN_KEYS.has(token)) {
      badRequest(`${where}: '${member}' ${JSON.stringify(pointer)} contains the forbidden token '${token}'`);
    }
  }
}

/**
 * rfc6902 is lenient about array indices in some places (e.g. `replace /name/-` would create a
 * property named "-" on the array). Walk every pointer of the operation against the current document
 * and reject array steps that are not RFC 6901 indices; '-' is only meaningful as the last token of
 * an add/move/copy target.
 */
function checkPointers(doc: unknown, op: Operation, label: string): void {
  const check = (pointer: string, dashAllowed: boolean, member: string) => {
    const toks = tokens(pointer);
    let node: unknown = doc;
    for (let t = 0; t < toks.length; t++) {
      const token = toks[t];
      const last = t === toks.length - 1;
      if (Array.isArray(node)) {
        if (token === '-' && last && dashAllowed) return;
        if (!ARRAY_INDEX.test(token)) {
          unprocessable(`${label}: '${member}' token ${JSON.stringify(token)} is not a valid array index`);
        }
        node = node[Number(token)];
      } else if (isPlainObject(node)) {
        node = Object.prototype.hasOwnProperty.call(node, token) ? node[token] : undefined;
      } else {
        return; // missing or primitive: rfc6902 reports it as a MissingError
      }
    }
  };
  const target = op.op === 'add' || op.op === 'move' || op.op === 'copy';
  check(op.path, target, 'path');
  if (op.op === 'move' || op.op === 'copy') check(op.from, false, 'from');
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function preview(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return 'nothing';
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
