// Keyset paging cursors: a position in the order (sort-key values, rid, watermark), encoded with a
// check value and decoded with validation against the search's order.

import { createHash } from 'node:crypto';
import { badRequest } from '../../../fhir/errors.js';
import type { KeyExpr, KeyValue } from './sort-keys.js';

/**
 * A position in the order: the sort-key values and rid of a row. `w`: the walk's watermark (see
 * runSearch); `i`: the position's own row is included (a link back from an empty page).
 */
export interface Cursor {
  s: string;
  k: KeyValue[];
  r: number;
  w?: number;
  i?: 1;
}

export interface KeyRow {
  rid: number;
  [key: `k${number}`]: KeyValue;
}

export function rowCursor(keys: KeyExpr[], row: KeyRow): Cursor {
  return { s: '', k: keys.map((_, i) => row[`k${i}`] ?? null), r: row.rid };
}

export function encodeCursor(signature: string, keys: KeyExpr[], row: KeyRow, watermark: number | undefined, inclusive: boolean): string {
  const c: Cursor = { ...rowCursor(keys, row), s: signature };
  if (watermark !== undefined) c.w = watermark;
  if (inclusive) c.i = 1;
  return encodeRaw(c);
}

/** base64url(JSON) + '.' + a check value, so a damaged or edited cursor is refused, not misread. */
export function encodeRaw(c: Cursor): string {
  const body = Buffer.from(JSON.stringify({ s: c.s, k: c.k, r: c.r, ...(c.w !== undefined ? { w: c.w } : {}), ...(c.i ? { i: 1 } : {}) })).toString('base64url');
  return `${body}.${check(body)}`;
}

function check(body: string): string {
  return createHash('sha256').update(CURSOR_SALT).update(body).digest('base64url').slice(0, 12);
}

const CURSOR_SALT = 'forlob-search-cursor-v1';

export function decodeCursor(text: string, signature: string, keys: KeyExpr[]): Cursor {
  const invalid = (why: string): never => badRequest(`Invalid paging cursor: ${why}`);
  const m = /^([A-Za-z0-9_-]{1,32768})\.([A-Za-z0-9_-]{12})$/.exec(text);
  if (!m || check(m[1]) !== m[2]) invalid('not a cursor from this server');
  let c: Cursor;
  try {
    c = JSON.parse(Buffer.from(m![1], 'base64url').toString('utf8')) as Cursor;
  } catch {
    return invalid('not a cursor from this server');
  }
  if (!c || typeof c !== 'object' || Array.isArray(c)) invalid('malformed');
  if (c.s !== signature) invalid('it belongs to a search with a different _sort');
  if (!Number.isSafeInteger(c.r) || c.r < 0) invalid('malformed position');
  if (c.w !== undefined && (!Number.isSafeInteger(c.w) || c.w < 0)) invalid('malformed watermark');
  if (c.i !== undefined && c.i !== 1) invalid('malformed');
  if (!Array.isArray(c.k) || c.k.length !== keys.length) invalid('malformed sort values');
  keys.forEach((k, i) => {
    const v = c.k[i];
    if (v === null ? !k.nullable : typeof v !== (k.numeric ? 'number' : 'string') || (typeof v === 'number' && !Number.isFinite(v))) {
      invalid('malformed sort values');
    }
  });
  // A cursor of an order with mutable keys always carries its walk's watermark.
  if (keys.some((k) => k.mutable) && c.w === undefined) invalid('missing watermark');
  return c;
}
