// The append-only audit log: every state change, hash-chained so a deleted or edited entry is detectable.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { lockForUpdate } from '../../db/locking.js';
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
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of one entry: SHA-256 over its fields and the previous entry's hash, as a JSON array. */
export function entryHash(row: Omit<AuditRow, 'hash'>): string {
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

  /**
   * Appends an entry inside the caller's transaction, so the entry exists exactly when the change does.
   * The head row is locked for the rest of the transaction: appends are serialised and the chain has no forks.
   */
  async record(trx: Knex.Transaction, entry: AuditEntry): Promise<number> {
    const head = (await lockForUpdate(trx, trx('audit_head').where({ id: 1 }).first())) as
      { last_id: number; last_hash: string } | undefined;
    if (!head) throw new Error('audit_head row is missing: run the migrations');
    const base = {
      at: nowDb(this.clock),
      user_id: entry.userId,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
      before_state: asJson(entry.before),
      after_state: asJson(entry.after),
      prev_hash: head.last_hash,
    };
    const id = head.last_id + 1;
    const hash = entryHash({ id, ...base });
    await trx('audit_log').insert({ id, ...base, hash });
    await trx('audit_head').where({ id: 1 }).update({ last_id: id, last_hash: hash });
    return id;
  }
}

export type ChainCheck =
  { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string };

/** Walks the whole chain in id order; names the first entry that was edited, removed or inserted. */
export async function verifyAuditChain(db: Knex, pageSize = 5000): Promise<ChainCheck> {
  let prevHash = GENESIS_HASH;
  let expectedId = 1;
  let count = 0;
  for (;;) {
    const rows = (await db('audit_log')
      .where('id', '>=', expectedId)
      .orderBy('id')
      .limit(pageSize)) as AuditRow[];
    for (const row of rows) {
      if (row.id !== expectedId) {
        return { ok: false, entries: count, brokenAt: expectedId, reason: `entry ${expectedId} is missing` };
      }
      if (row.prev_hash !== prevHash) {
        return {
          ok: false,
          entries: count,
          brokenAt: row.id,
          reason: 'its previous-hash does not match the entry before it',
        };
      }
      if (entryHash(row) !== row.hash) {
        return {
          ok: false,
          entries: count,
          brokenAt: row.id,
          reason: 'its content does not match its hash (edited)',
        };
      }
      prevHash = row.hash;
      expectedId += 1;
      count += 1;
    }
    if (rows.length < pageSize) break;
  }
  const head = (await db('audit_head').where({ id: 1 }).first()) as { last_id: number; last_hash: string };
  if (head.last_id !== count || head.last_hash !== prevHash) {
    return {
      ok: false,
      entries: count,
      brokenAt: count + 1,
      reason: `the log ends at entry ${count} but ${head.last_id} were written (entries removed from the end)`,
    };
  }
  return { ok: true, entries: count };
}
