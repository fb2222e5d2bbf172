/**
 * Search index rows extracted from one resource version, in a backend-neutral form.
 * The store writes them in the same transaction as the version itself.
 * Values are already normalised for matching (see search/normalize.ts).
 */
export interface TokenRow { code: string; system: string | null; value: string | null }
export interface StringRow { code: string; /** folded for default/contains matching */ norm: string; exact: string }
/** Date ranges as epoch milliseconds, inclusive lower and exclusive upper bound. */
export interface DateRow { code: string; lo: number; hi: number }
/** Numbers as an implicit precision range [lo, hi). */
export interface NumberRow { code: string; lo: number; hi: number; value: number }
export interface QuantityRow { code: string; lo: number; hi: number; value: number; system: string | null; unit: string | null }
export interface ReferenceRow { code: string; targetType: string | null; targetId: string | null; url: string | null }
export interface UriRow { code: string; value: string }
/**
 * One component value of a composite row, in generic columns (see the composite table in
 * store/sqlite/schema.ts): token s = system, v = code; string v = folded text; uri v; reference
 * s = target type, v = target id or URL; number/date n and [lo, hi); quantity n, [lo, hi),
 * s = system, v = unit.
 */
export interface CompositePart { s: string | null; v: string | null; n: number | null; lo: number | null; hi: number | null }
/** A composite parameter's values on ONE element: `parts[i]` is component i's value there. */
export interface CompositeRow { code: string; parts: CompositePart[] }

export interface IndexEntries {
  token: TokenRow[];
  string: StringRow[];
  date: DateRow[];
  number: NumberRow[];
  quantity: QuantityRow[];
  reference: ReferenceRow[];
  uri: UriRow[];
  composite: CompositeRow[];
}

export function emptyIndex(): IndexEntries {
  return { token: [], string: [], date: [], number: [], quantity: [], reference: [], uri: [], composite: [] };
}
