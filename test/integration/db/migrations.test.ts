// Migrations against a database of their own: every one goes down and up again, and the audit log's move to
// sealing after commit keeps the chain written before it.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { migrationConfig } from '../../../server/db/knex.js';
import {
  entryHash,
  GENESIS_HASH,
  sealAuditLog,
  verifyAuditChain,
} from '../../../server/features/audit/audit-log.js';
import { scratchDatabase } from '../../helpers/db.js';

const BEFORE_SEALING = '20261201090500_add-claim-order-index.ts';
const SEALING = '20261201091000_seal-audit-log-outside-transactions.ts';

async function upTo(db: Knex, last: string): Promise<void> {
  for (;;) {
    const [, pending] = (await db.migrate.list(migrationConfig)) as [unknown, Array<{ file: string }>];
    if (!pending.length || pending[0]!.file > last) return;
    await db.migrate.up(migrationConfig);
  }
}

/** Undoes migrations, newest first, until `name` is undone too. */
async function downThrough(db: Knex, name: string): Promise<void> {
  for (;;) {
    const [done] = (await db.migrate.list(migrationConfig)) as [Array<{ name: string }>, unknown];
    if (!done.some((m) => m.name === name)) return;
    await db.migrate.down(migrationConfig);
  }
}

describe('migrations', function () {
  this.timeout(120_000);
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeEach(async () => {
    scratch = await scratchDatabase('migrations');
  });
  afterEach(async () => {
    await scratch.drop();
  });

  it('all go down and up again', async () => {
    const { db } = scratch;
    await db.migrate.latest(migrationConfig);
    await db.migrate.rollback(migrationConfig, true);
    expect(await db.schema.hasTable('complaints')).to.equal(false);
    await db.migrate.latest(migrationConfig);
    expect(await db.schema.hasColumn('audit_log', 'seq')).to.equal(true);
  });

  it('keep an audit chain written before sealing, and chain new entries after it', async () => {
    const { db } = scratch;
    await upTo(db, BEFORE_SEALING);
    // Three entries chained the old way: in id order, inside their transactions.
    let prev = GENESIS_HASH;
    for (let id = 1; id <= 3; id++) {
      const row = {
        id,
        at: `2026-11-2${id} 10:00:00.000`,
        user_id: 7,
        action: 'outcome.recorded',
        entity: 'call_task',
        entity_id: String(id),
        before_state: null,
        after_state: '{"verdict":"satisfied"}',
        prev_hash: prev,
      };
      const hash = entryHash(row);
      await db('audit_log').insert({ ...row, hash });
      prev = hash;
    }
    await db('audit_head').where({ id: 1 }).update({ last_id: 3, last_hash: prev });

    await db.migrate.latest(migrationConfig);
    expect(await verifyAuditChain(db)).to.deep.equal({ ok: true, entries: 3, unsealed: 0 });
    await db('audit_log').insert({ at: '2026-12-01 10:00:00.000', action: 'test.after', entity: 'thing' });
    expect(await sealAuditLog(db)).to.equal(1);
    expect(await verifyAuditChain(db)).to.deep.equal({ ok: true, entries: 4, unsealed: 0 });

    // Back to chaining in id order: the chain is rebuilt that way and the old columns return.
    await downThrough(db, SEALING);
    expect(await db.schema.hasColumn('audit_log', 'seq')).to.equal(false);
    const head = (await db('audit_head').first()) as { last_id: number; last_hash: string };
    const last = (await db('audit_log').orderBy('id', 'desc').first('id', 'hash')) as {
      id: number;
      hash: string;
    };
    expect(head).to.deep.include({ last_id: last.id, last_hash: last.hash });
  });
});
