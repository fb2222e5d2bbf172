import type { Request } from 'express';
import { badRequest, fail } from '../fhir/errors.js';
import { parseQuery } from '../fhir/route.js';
import { bodyKind } from './negotiation.js';

/** Deepest JSON nesting accepted; FHIR resources are far shallower. */
const MAX_DEPTH = 100;

/**
 * Read and parse the request body (already collected as a Buffer by express.raw).
 * Malformed JSON is 400, a wrong media type 415.
 */
export function parseBody(req: Request): unknown {
  const raw = req.body as Buffer | undefined;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  const kind = bodyKind(req.headers['content-type']);
  const text = raw.toString('utf8');
  if (kind === 'form') return parseQuery(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return badRequest(`Malformed JSON body: ${(err as Error).message}`);
  }
  if (depth(value) > MAX_DEPTH) fail(400, 'too-costly', `JSON nested deeper than ${MAX_DEPTH} levels`);
  return value;
}

function depth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}
