// The sampling frame in SQL: which complaints a session may draw, streamed in byte order of reference number.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { engineOf } from '../../db/knex.js';
import { type Clock, IST, toDbTime } from '../../shared/dates.js';
import type { FrameEntry } from './sampling/draw-rule.js';

/** The filters of a session's frame, as stored in feedback_sessions.frame_filter (JSON). */
export interface FrameFilter {
  districtId: number;
  /** Disposal dates as people in India see them (YYYY-MM-DD, Asia/Kolkata), both ends included. */
  disposedFrom: string;
  disposedTo: string;
  /** Department codes; empty or missing: every department. */
  departments?: string[];
  sources?: string[];
  tehsils?: string[];
  thanas?: string[];
  /** Complaints verified by phone within this many days are left out (default 90). */
  excludeVerifiedDays?: number;
}

export const DEFAULT_EXCLUDE_VERIFIED_DAYS = 90;
const DRAWABLE_STATUSES = ['disposed', 'redisposed'];

/** The frame's WHERE clause over `complaints c` joined to `departments d`; `asOf` anchors "verified in the last N days". */
export function frameQuery(db: Knex, filter: FrameFilter, clock: Clock): Knex.QueryBuilder {
  const [from, toExclusive] = disposalBounds(filter);
  const days = filter.excludeVerifiedDays ?? DEFAULT_EXCLUDE_VERIFIED_DAYS;
  const verifiedCutoff = toDbTime(clock.now().minus({ days }));
  const query = db({ c: 'complaints' })
    .join({ d: 'departments' }, 'd.id', 'c.department_id')
    .where('c.district_id', filter.districtId)
    .whereIn('c.status', DRAWABLE_STATUSES)
    .where('c.disposed_at', '>=', from)
    .where('c.disposed_at', '<', toExclusive)
    .whereNotNull('c.mobile');
  if (days > 0) {
    query.where((q) => q.whereNull('c.last_verified_at').orWhere('c.last_verified_at', '<', verifiedCutoff));
  }
  if (filter.departments?.length) query.whereIn('d.code', filter.departments);
  if (filter.sources?.length) query.whereIn('c.source', filter.sources);
  if (filter.tehsils?.length) query.whereIn('c.tehsil', filter.tehsils);
  if (filter.thanas?.length) query.whereIn('c.thana', filter.thanas);
  return query;
}

/** The disposal window of a filter as stored UTC bounds: [from, toExclusive). */
function disposalBounds(filter: Pick<FrameFilter, 'disposedFrom' | 'disposedTo'>): [string, string] {
  const from = DateTime.fromISO(filter.disposedFrom, { zone: IST }).startOf('day');
  const toExclusive = DateTime.fromISO(filter.disposedTo, { zone: IST }).startOf('day').plus({ days: 1 });
  return [toDbTime(from), toDbTime(toExclusive)];
}

/** Complaints of the district disposed in the filter's dates, whatever the other filters say. */
export async function countDisposedInRange(db: Knex, filter: FrameFilter): Promise<number> {
  const [from, toExclusive] = disposalBounds(filter);
  const row = (await db('complaints')
    .where('district_id', filter.districtId)
    .whereIn('status', DRAWABLE_STATUSES)
    .where('disposed_at', '>=', from)
    .where('disposed_at', '<', toExclusive)
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** When the district's latest drawable complaint was disposed (stored UTC time), or null if it has none. */
export async function latestDisposal(db: Knex, districtId: number): Promise<string | null> {
  const row = (await db('complaints')
    .where('district_id', districtId)
    .whereIn('status', DRAWABLE_STATUSES)
    .max({ latest: 'disposed_at' })
    .first()) as { latest: string | null } | undefined;
  return row?.latest ?? null;
}

/** Frame size per department code, for the preview and for checking a design before anything is written. */
export async function countFrameByDepartment(
  db: Knex,
  filter: FrameFilter,
  clock: Clock,
): Promise<Map<string, number>> {
  const rows = (await frameQuery(db, filter, clock)
    .groupBy('d.code')
    .select({ stratum: 'd.code' })
    .count({ n: '*' })) as Array<{ stratum: string; n: number | string }>;
  return new Map(rows.map((r) => [r.stratum, Number(r.n)]));
}

/**
 * Streams the frame (reference number, department code) in ascending byte order of reference number and hands
 * the rows to `consume` as they arrive; the frame is never held in memory. The one place the engines differ:
 * better-sqlite3's synchronous `.iterate()` cursor, or knex's `.stream()` over mysql2 (reference_no is
 * utf8mb4_bin there, see the migration make-reference-order-bytewise, so ORDER BY is byte order).
 * Inside a transaction pass the transaction: on SQLite it is the only connection.
 */
export async function streamFrameRows<T>(
  db: Knex,
  filter: FrameFilter,
  clock: Clock,
  consume: (rows: Iterable<FrameEntry> | AsyncIterable<FrameEntry>) => Promise<T>,
): Promise<T> {
  const query = frameQuery(db, filter, clock)
    .select({ referenceNumber: 'c.reference_no', stratum: 'd.code' })
    .orderBy('c.reference_no', 'asc');
  return streamSelect(db, query, consume);
}

/** Runs a SELECT and streams its rows to `consume` (see streamFrameRows for the engine difference). */
export async function streamSelect<R, T>(
  db: Knex,
  query: Knex.QueryBuilder,
  consume: (rows: Iterable<R> | AsyncIterable<R>) => Promise<T>,
): Promise<T> {
  if (engineOf(db) === 'mysql') {
    const stream = query.stream();
    try {
      return await consume(stream as AsyncIterable<R>);
    } finally {
      stream.destroy();
    }
  }
  const { sql, bindings } = query.toSQL().toNative();
  // Inside a transaction this is the transaction's own connection; otherwise one from the pool, given back below.
  const client = db.client as {
    acquireConnection(): Promise<SqliteConnection>;
    releaseConnection(c: SqliteConnection): Promise<void>;
  };
  const connection = await client.acquireConnection();
  // The frame's ORDER BY sorts the whole frame, and SQLite sizes the sort's in-memory runs (beside its page cache)
  // from cache_size. better-sqlite3's build default, 16 MB, let one sort of an 800,000-complaint frame add about
  // 40 MB to the process; at SQLite's own default, 2 MB, the sort spills to a temporary file instead, and on the
  // 1,000,000-row benchmark it was no slower. The connection's own setting is put back afterwards.
  const cacheSize = connection.pragma('cache_size', { simple: true });
  connection.pragma(`cache_size = ${-FRAME_STREAM_CACHE_KIB}`);
  try {
    const rows = connection.prepare(sql).iterate(...(bindings as unknown[])) as IterableIterator<R>;
    try {
      return await consume(rows);
    } finally {
      rows.return?.();
    }
  } finally {
    connection.pragma(`cache_size = ${Number(cacheSize)}`);
    await client.releaseConnection(connection);
  }
}

/** SQLite's page cache while a frame streams, in KiB: SQLite's own default (cache_size = -2000). */
export const FRAME_STREAM_CACHE_KIB = 2000;

interface SqliteConnection {
  prepare(sql: string): { iterate(...params: unknown[]): IterableIterator<unknown> };
  pragma(source: string, options?: { simple?: boolean }): unknown;
}
