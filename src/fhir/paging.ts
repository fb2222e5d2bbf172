import type { BundleLink } from '@medplum/fhirtypes';
import { badRequest } from './errors.js';
import type { QueryParams } from './request.js';

/** A non-negative integer query parameter (`_count`, `_offset`), or the fallback. */
export function intParam(query: QueryParams, name: string, fallback: number): number {
  const raw = query[name]?.[0];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) badRequest(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

/** The page size asked for, within the server's maximum. */
export function pageSize(query: QueryParams, defaultCount: number, maxCount: number): number {
  return Math.min(intParam(query, '_count', defaultCount), maxCount);
}

/** Build a URL from a base and query parameters, encoded the same way every time. */
export function urlWith(base: string, query: QueryParams): string {
  const params = new URLSearchParams();
  for (const [k, values] of Object.entries(query)) for (const v of values) params.append(k, v);
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

/** self / first / previous / next links for offset paging over a fixed result set. */
export function offsetLinks(
  base: string,
  query: QueryParams,
  offset: number,
  count: number,
  total: number | undefined,
  hasMore: boolean,
): BundleLink[] {
  const at = (o: number): string => urlWith(base, { ...query, _count: [String(count)], _offset: [String(o)] });
  const links: BundleLink[] = [{ relation: 'self', url: at(offset) }, { relation: 'first', url: at(0) }];
  if (offset > 0) links.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  // With _count=0 (total only) a next link would point at the same empty page forever.
  if (hasMore && count > 0) links.push({ relation: 'next', url: at(offset + count) });
  if (total !== undefined && count > 0) links.push({ relation: 'last', url: at(Math.max(0, Math.floor((total - 1) / count) * count)) });
  return links;
}
