// Sort keys of a search order: their shape, the index column each parameter type sorts by, and the
// order's signature (which ties a paging cursor to its _sort).

import type { IndexTable, SortKey } from '../../../search/plan.js';

/** One key of the order (the rid, always last, is not one of them). */
export interface KeyExpr {
  /** SQL expression over the `r` row (a column, or a correlated subquery for a parameter). */
  sql: string;
  args: unknown[];
  descending: boolean;
  /** Parameter keys: a resource without a value has NULL (sorted last in both directions). */
  nullable: boolean;
  numeric: boolean;
  /** The key can change when the resource is updated (everything but `_id`). */
  mutable: boolean;
  /** Computed by a correlated subquery (parameter keys). */
  correlated?: boolean;
}

export type KeyValue = string | number | null;

export function sortSignature(sort: SortKey[]): string {
  return sort.map((k) => `${k.descending ? '-' : ''}${k.code}`).join(',');
}

export function sortColumn(table: IndexTable, descending: boolean): string {
  switch (table) {
    case 'token':
      return 'value';
    case 'string':
      return 'norm';
    case 'date':
      return descending ? 'hi' : 'lo';
    case 'number':
    case 'quantity':
      return 'value';
    case 'reference':
      return "coalesce(target_type || '/' || target_id, url)";
    case 'uri':
      return 'value';
    case 'composite':
      return 'v1';
  }
}
