import type { QueryResultRow } from 'pg';

/**
 * Runs one statement: on the pool outside a transaction, on the transaction's connection inside one. A
 * non-empty `name` prepares the statement once per connection (fixed SQL on hot paths).
 */
export type Query = <R extends QueryResultRow>(name: string, text: string, values: unknown[]) => Promise<{ rows: R[]; rowCount: number | null }>;
