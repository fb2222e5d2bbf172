// How PostgreSQL failures are classified: retried (serialization), turned into StoreUnavailable (the
// database cannot be reached), or passed on.

import { StoreTimeout, StoreUnavailable } from '../types.js';

interface PgLikeError {
  code?: string;
  message?: string;
}

/**
 * SQLSTATEs after which the whole transaction is run again: serialization failure, deadlock, and a unique
 * violation (two transactions inserting the same key at once: rerun, the second finds the first's row).
 */
const RETRYABLE = new Set(['40001', '40P01', '23505']);

export function isRetryable(err: unknown): boolean {
  return RETRYABLE.has((err as PgLikeError)?.code ?? '');
}

/** Node socket errors and PostgreSQL's connection / shutdown / resource classes (08, 57P0x, 53300). */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300']);

export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailable) return true;
  const e = err as PgLikeError;
  if (e?.code && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  const msg = e?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(msg);
}

/** `err` as the store reports it: StoreUnavailable when the database is out of reach, StoreTimeout when it cancelled a statement, else unchanged. */
export function translate(err: unknown): unknown {
  if ((err as PgLikeError)?.code === '57014') return new StoreTimeout('The database cancelled a statement that ran too long');
  if (err instanceof StoreUnavailable || !isUnavailable(err)) return err;
  return new StoreUnavailable(`PostgreSQL unavailable: ${(err as PgLikeError).message ?? String(err)}`);
}
