import type { StoredVersion } from '../store/types.js';

/**
 * A parsed, validated search, in a backend-neutral form. The search module builds it from the
 * request; each store backend compiles it to its own query language.
 */
export interface SearchPlan {
  /** Resource types searched (one for type-level search, several for system search). */
  types: string[];
  /** All conditions must hold (AND); each condition's alternatives are ORed. */
  where: Condition[];
  sort: SortKey[];
  count: number;
  offset: number;
  /**
   * Keyset paging: continue after (or before) the row an opaque cursor from a previous
   * SearchPage names. Pages stay free of duplicates and gaps while other resources are written.
   */
  page?: { after: string } | { before: string };
  /** Whether to compute the total number of matches. */
  total: 'none' | 'estimate' | 'accurate';
}

export type Condition =
  | { kind: 'id'; ids: string[]; not?: boolean }
  | { kind: 'lastUpdated'; ranges: DateRange[] }
  | { kind: 'token'; code: string; any: TokenMatch[]; not?: boolean }
  | { kind: 'string'; code: string; any: StringMatch[] }
  | { kind: 'date'; code: string; any: DateRange[] }
  | { kind: 'number'; code: string; any: NumberMatch[] }
  | { kind: 'quantity'; code: string; any: QuantityMatch[] }
  | { kind: 'reference'; code: string; any: ReferenceMatch[] }
  | { kind: 'uri'; code: string; any: UriMatch[] }
  | { kind: 'missing'; code: string; table: IndexTable; missing: boolean }
  /** Composite: some element of the resource matches every part of one alternative. */
  | { kind: 'composite'; code: string; any: CompositeMatch[] }
  /** Chained: the reference `code` points to a resource of `targetTypes` matching `where`. */
  | { kind: 'chain'; code: string; targetTypes: string[]; where: Condition[] }
  /** At least one of the alternatives holds (used for compartments: subject=X or performer=X). */
  | { kind: 'anyOf'; alternatives: Condition[] }
  /** Reverse chain (_has): some `sourceType` resource whose reference `code` points here matches `where`. */
  | { kind: 'has'; sourceType: string; code: string; where: Condition[] };

export type IndexTable = 'token' | 'string' | 'date' | 'number' | 'quantity' | 'reference' | 'uri' | 'composite';

export interface TokenMatch { system?: string | null; value?: string }
/**
 * `prefix` and `contains` values are already folded with `foldString` (normalize.ts) and match the
 * folded `norm` column; `exact` values are the original text and match the `exact` column.
 */
export interface StringMatch { mode: 'prefix' | 'exact' | 'contains'; value: string }
/** A date comparison: the prefix applied to the search value's implicit range [lo, hi). */
export interface DateRange { prefix: Prefix; lo: number; hi: number }
export interface NumberMatch { prefix: Prefix; lo: number; hi: number; value: number }
export interface QuantityMatch extends NumberMatch { system?: string; unit?: string }
/** Set fields must all match: `targetType`+`targetId` (local "Type/id"), `targetId` alone (any type), or `url`. */
export interface ReferenceMatch { targetType?: string; targetId?: string; url?: string }
export interface UriMatch { mode: 'exact' | 'below' | 'above'; value: string }
/** One value of a composite parameter: `parts[i]` applies to component i (`code$value`). */
export interface CompositeMatch { parts: ComponentMatch[] }
export type ComponentMatch =
  | { type: 'token'; match: TokenMatch }
  | { type: 'string'; match: StringMatch }
  | { type: 'date'; match: DateRange }
  | { type: 'number'; match: NumberMatch }
  | { type: 'quantity'; match: QuantityMatch }
  | { type: 'reference'; match: ReferenceMatch }
  | { type: 'uri'; match: UriMatch };
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

export interface SortKey {
  /** `_id`, `_lastUpdated`, or a search parameter code. */
  code: string;
  table?: IndexTable;
  descending: boolean;
}

export interface SearchPage {
  versions: StoredVersion[];
  total?: number;
  /** Cursor for the page after this one, when more rows follow. */
  next?: string;
  /** Cursor for the page before this one, when rows precede it. */
  previous?: string;
}
