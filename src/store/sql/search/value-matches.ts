// Per-parameter-type match conditions on one index row's columns (token, string, number, quantity,
// reference, uri), as SQL fragments.

import { escapeLike, foldString, MAX_CHAR } from '../../../search/normalize.js';
import type { NumberMatch, QuantityMatch, ReferenceMatch, StringMatch, TokenMatch, UriMatch } from '../../../search/plan.js';
import { and, FALSE, marks, TRUE, type Frag } from './sql-fragments.js';

export function tokenFrag(m: TokenMatch): Frag {
  const parts: Frag[] = [];
  if (m.value !== undefined) parts.push({ sql: 'value = ?', args: [m.value] });
  if (m.system === null) parts.push({ sql: 'system IS NULL', args: [] });
  else if (m.system !== undefined) parts.push({ sql: 'system = ?', args: [m.system] });
  return parts.length ? and(parts) : TRUE;
}

export function stringFrag(m: StringMatch): Frag {
  switch (m.mode) {
    case 'prefix':
      return m.value === '' ? TRUE : { sql: '(norm >= ? AND norm < ?)', args: [m.value, m.value + MAX_CHAR] };
    case 'contains':
      return { sql: "norm LIKE ? ESCAPE '\\'", args: [`%${escapeLike(m.value)}%`] };
    case 'exact':
      // Equal text has equal folded text: the norm condition lets SQLite use the (pid, norm) index.
      return { sql: '(norm = ? AND exact = ?)', args: [foldString(m.value), m.value] };
  }
}

export function numberFrag(m: NumberMatch): Frag {
  switch (m.prefix) {
    case 'eq':
      return { sql: '(value >= ? AND value < ?)', args: [m.lo, m.hi] };
    case 'ne':
      return { sql: 'NOT (value >= ? AND value < ?)', args: [m.lo, m.hi] };
    case 'gt':
    case 'sa':
      return { sql: 'value > ?', args: [m.value] };
    case 'lt':
    case 'eb':
      return { sql: 'value < ?', args: [m.value] };
    case 'ge':
      return { sql: 'value >= ?', args: [m.value] };
    case 'le':
      return { sql: 'value <= ?', args: [m.value] };
    case 'ap': {
      const w = Math.max(Math.abs(m.value) * 0.1, (m.hi - m.lo) / 2);
      return { sql: '(value >= ? AND value <= ?)', args: [m.value - w, m.value + w] };
    }
  }
}

export function quantityFrag(m: QuantityMatch): Frag {
  const parts: Frag[] = [numberFrag(m)];
  if (m.system !== undefined) parts.push({ sql: 'system = ?', args: [m.system] });
  if (m.unit !== undefined) parts.push({ sql: 'unit = ?', args: [m.unit] });
  return and(parts);
}

export function referenceFrag(m: ReferenceMatch): Frag {
  const parts: Frag[] = [];
  if (m.targetId !== undefined) parts.push({ sql: 'target_id = ?', args: [m.targetId] });
  if (m.targetType !== undefined) parts.push({ sql: 'target_type = ?', args: [m.targetType] });
  if (m.url !== undefined) parts.push({ sql: 'url = ?', args: [m.url] });
  return parts.length ? and(parts) : FALSE;
}

export function uriFrag(m: UriMatch): Frag {
  switch (m.mode) {
    case 'exact':
      return { sql: 'value = ?', args: [m.value] };
    case 'below': {
      // The value itself or anything under it by path segment.
      const base = m.value.replace(/\/+$/, '');
      return { sql: '(value = ? OR (value >= ? AND value < ?))', args: [base, `${base}/`, `${base}/${MAX_CHAR}`] };
    }
    case 'above': {
      const candidates = uriAncestors(m.value);
      return { sql: `value IN (${marks(candidates.length)})`, args: candidates };
    }
  }
}

/** The URI and each of its ancestors by path segment (not above the authority): a/b/c, a/b, a. */
function uriAncestors(uri: string): string[] {
  const out = [uri];
  const scheme = uri.indexOf('://');
  const floor = scheme >= 0 ? uri.indexOf('/', scheme + 3) : -1;
  let cur = uri.replace(/\/+$/, '');
  if (cur !== uri) out.push(cur);
  for (;;) {
    const slash = cur.lastIndexOf('/');
    if (slash < 0 || (scheme >= 0 && slash < scheme + 3) || (floor >= 0 && slash < floor)) break;
    cur = cur.slice(0, slash);
    if (cur === '' || cur.endsWith(':/') || cur.endsWith(':')) break;
    out.push(cur);
  }
  return out;
}
