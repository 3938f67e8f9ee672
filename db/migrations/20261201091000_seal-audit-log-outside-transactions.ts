// The audit chain is built by a sealer after commit (server/features/audit/audit-log.ts): entries get a place
// in the chain (seq) when sealed, and the chain fields stay empty until then.
import type { Knex } from 'knex';
import { entryHash, GENESIS_HASH } from '../../server/features/audit/audit-log.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.integer('seq').unsigned().nullable().unique('audit_log_seq_unique');
    t.string('prev_hash', 64).nullable().alter();
    t.string('hash', 64).nullable().alter();
  });
  // Entries so far were chained in id order: their place is their id, and their hashes stay valid.
  await knex('audit_log').update({ seq: knex.ref('id') });
  await knex.schema.alterTable('audit_head', (t) => {
    t.renameColumn('last_id', 'last_seq');
  });
}

export async function down(knex: Knex): Promise<void> {
  // The older schema chains every entry in id order: rebuild the chain that way.
  const rows = (await knex('audit_log').orderBy('id')) as Array<Parameters<typeof entryHash>[0]>;
  let prev = GENESIS_HASH;
  for (const row of rows) {
    const hash = entryHash({ ...row, prev_hash: prev });
    await knex('audit_log').where({ id: row.id }).update({ prev_hash: prev, hash });
    prev = hash;
  }
  await knex.schema.alterTable('audit_head', (t) => {
    t.renameColumn('last_seq', 'last_id');
  });
  await knex('audit_head')
    .where({ id: 1 })
    .update({ last_id: rows.length ? rows[rows.length - 1]!.id : 0, last_hash: prev });
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropUnique(['seq'], 'audit_log_seq_unique');
    t.dropColumn('seq');
    t.string('prev_hash', 64).notNullable().alter();
    t.string('hash', 64).notNullable().alter();
  });
}
