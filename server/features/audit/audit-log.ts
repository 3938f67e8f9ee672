// The append-only audit log: every state change, hash-chained so a deleted or edited entry is detectable.
//
// An entry is written in the changing transaction, so it exists exactly when the change does, but it is not
// chained there: a chain built inside every transaction makes them all queue for the chain's head until they
// commit. A sealer (one per process, at most one at a time across processes) chains the committed entries in
// the order it finds them, about once a second: it gives each its place (`seq`), the previous entry's hash and
// its own. An entry is therefore protected from its seal on; docs/decisions.md says why that is enough.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { lockSkippingLocked } from '../../db/locking.js';
import { type Clock, nowDb, systemClock } from '../../shared/dates.js';

export interface AuditEntry {
  userId: number | null;
  action: string;
  entity: string;
  entityId?: string | number | null;
  before?: unknown;
  after?: unknown;
}

interface AuditRow {
  id: number;
  at: string;
  user_id: number | null;
  action: string;
  entity: string;
  entity_id: string | null;
  before_state: string | null;
  after_state: string | null;
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

type HashedFields = Pick<
  AuditRow,
  'id' | 'at' | 'user_id' | 'action' | 'entity' | 'entity_id' | 'before_state' | 'after_state'
> & { prev_hash: string };

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of one entry: SHA-256 over its fields and the previous entry's hash, as a JSON array. */
export function entryHash(row: HashedFields): string {
  const canonical = JSON.stringify([
    row.id,
    row.at,
    row.user_id,
    row.action,
    row.entity,
    row.entity_id,
    row.before_state,
    row.after_state,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

const asJson = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

export class AuditLog {
  constructor(private readonly clock: Clock = systemClock) {}

  /** Appends an entry inside the caller's transaction; the sealer chains it once the transaction has committed. */
  async record(trx: Knex.Transaction, entry: AuditEntry): Promise<number> {
    const [id] = await trx('audit_log').insert({
      at: nowDb(this.clock),
      user_id: entry.userId,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
      before_state: asJson(entry.before),
      after_state: asJson(entry.after),
    });
    return id as number;
  }
}

/** How many committed entries one sealing transaction chains at most. */
const SEAL_BATCH = 500;

/**
 * Chains every committed entry that has no place in the chain yet, in id order, and returns how many it sealed.
 * Sealers in several processes take turns on the head row; one that finds it taken returns 0 and tries later.
 */
export async function sealAuditLog(db: Knex): Promise<number> {
  let sealed = 0;
  for (;;) {
    const n = await db.transaction(async (trx) => {
      const head = (await lockSkippingLocked(trx, trx('audit_head').where({ id: 1 }).first())) as
        { last_seq: number; last_hash: string } | undefined;
      if (!head) return 0;
      const rows = (await trx('audit_log')
        .whereNull('seq')
        .orderBy('id')
        .limit(SEAL_BATCH)
        .select(
          'id',
          'at',
          'user_id',
          'action',
          'entity',
          'entity_id',
          'before_state',
          'after_state',
        )) as AuditRow[];
      if (rows.length === 0) return 0;
      let seq = head.last_seq;
      let prev = head.last_hash;
      const chained = rows.map((row) => {
        const hash = entryHash({ ...row, prev_hash: prev });
        const link = { id: row.id, seq: ++seq, prev_hash: prev, hash };
        prev = hash;
        return link;
      });
      // One statement for the batch: each column set by id, only on entries still unsealed.
      const ids = chained.map((c) => c.id);
      const caseOf = (column: 'seq' | 'prev_hash' | 'hash') =>
        trx.raw(
          `case id ${chained.map(() => 'when ? then ?').join(' ')} end`,
          chained.flatMap((c) => [c.id, c[column]]),
        );
      const updated = await trx('audit_log')
        .whereIn('id', ids)
        .whereNull('seq')
        .update({ seq: caseOf('seq'), prev_hash: caseOf('prev_hash'), hash: caseOf('hash') });
      if (updated !== chained.length) throw new Error('audit entries changed while they were being sealed');
      await trx('audit_head').where({ id: 1 }).update({ last_seq: seq, last_hash: prev });
      return chained.length;
    });
    sealed += n;
    if (n < SEAL_BATCH) return sealed;
  }
}

/** Seals on a timer until stopped; a failed round is logged and the next one tries again. */
export function startAuditSealer(
  db: Knex,
  everyMs: number,
  onError: (err: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sealAuditLog(db).catch(onError);
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      // What was committed before the stop is chained before the process goes.
      await sealAuditLog(db).catch(onError);
    },
  };
}

export type ChainCheck =
  | { ok: true; entries: number; unsealed: number }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/**
 * Walks the whole chain in seal order; names the first place (seq) where an entry was edited, removed or
 * inserted. Entries committed but not sealed yet are counted apart: they are not part of the chain so far.
 */
export async function verifyAuditChain(db: Knex, pageSize = 5000): Promise<ChainCheck> {
  let prevHash = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  for (;;) {
    const rows = (await db('audit_log')
      .where('seq', '>=', expected)
      .orderBy('seq')
      .limit(pageSize)) as AuditRow[];
    for (const row of rows) {
      if (row.seq !== expected) {
        return { ok: false, entries: count, brokenAt: expected, reason: `entry ${expected} is missing` };
      }
      if (row.prev_hash !== prevHash) {
        return {
          ok: false,
          entries: count,
          brokenAt: expected,
          reason: 'its previous-hash does not match the entry before it',
        };
      }
      if (entryHash({ ...row, prev_hash: row.prev_hash }) !== row.hash) {
        return {
          ok: false,
          entries: count,
          brokenAt: expected,
          reason: 'its content does not match its hash (edited)',
        };
      }
      prevHash = row.hash;
      expected += 1;
      count += 1;
    }
    if (rows.length < pageSize) break;
  }
  const head = (await db('audit_head').where({ id: 1 }).first()) as { last_seq: number; last_hash: string };
  if (head.last_seq !== count || head.last_hash !== prevHash) {
    return {
      ok: false,
      entries: count,
      brokenAt: count + 1,
      reason: `the log ends at entry ${count} but ${head.last_seq} were sealed (entries removed from the end)`,
    };
  }
  const unsealed = (await db('audit_log').whereNull('seq').count({ n: '*' }).first()) as {
    n: number | string;
  };
  return { ok: true, entries: count, unsealed: Number(unsealed.n) };
}
