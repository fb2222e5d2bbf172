// The SQL of one history page (FHIR _history: instance, type or system level), written once for both
// stores with `?` placeholders (PostgreSQL numbers them).

import type { HistoryQuery } from '../types.js';
import { VERSION_COLUMNS } from './version-rows.js';

type Statement = { sql: string; args: unknown[] };

/** The count and page statements of `q`, bounded by the sequence number `maxSeq` (fixed across pages). */
export function historyStatements(q: HistoryQuery, maxSeq: number): { count: Statement; page: Statement } {
  const where: string[] = ['v.seq <= ?'];
  const args: unknown[] = [maxSeq];
  if (q.type) {
    where.push('r.type = ?');
    args.push(q.type);
  }
  if (q.id) {
    where.push('r.id = ?');
    args.push(q.id);
  }
  if (q.since) {
    where.push('v.last_updated >= ?');
    args.push(q.since);
  }
  if (q.at) {
    // The version was current at some time in [start, end): it began before `end` and the next
    // version (if any) began after `start`.
    where.push(`v.last_updated < ? AND NOT EXISTS (SELECT 1 FROM versions n
      WHERE n.rid = v.rid AND n.version = v.version + 1 AND n.last_updated <= ?)`);
    args.push(q.at.end, q.at.start);
  }
  const filter = `WHERE ${where.join(' AND ')}`;
  return {
    count: { sql: `SELECT count(*) AS n FROM versions v JOIN resources r ON r.rid = v.rid ${filter}`, args },
    page: {
      sql: `SELECT ${VERSION_COLUMNS} FROM versions v JOIN resources r ON r.rid = v.rid ${filter} ORDER BY v.last_updated DESC, v.seq DESC LIMIT ${Math.trunc(q.count)} OFFSET ?`,
      args: [...args, q.offset],
    },
  };
}
