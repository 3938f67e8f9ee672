// The append-only, hash-chained audit log of every state change, and the head row that serialises appends.
import type { Knex } from 'knex';
import { createTable, time } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'audit_log', (t) => {
    t.increments('id');
    time(t, 'at').notNullable();
    t.integer('user_id').unsigned(); // no foreign key: the log outlives what it speaks of
    t.string('action', 60).notNullable(); // e.g. import.completed, draw.made, outcome.recorded
    t.string('entity', 40).notNullable();
    t.string('entity_id', 60);
    t.text('before_state');
    t.text('after_state');
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.index(['entity', 'entity_id']);
  });
  await createTable(knex, 'audit_head', (t) => {
    t.integer('id').primary();
    t.integer('last_id').notNullable();
    t.string('last_hash', 64).notNullable();
  });
  await knex('audit_head').insert({ id: 1, last_id: 0, last_hash: '0'.repeat(64) });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_head');
  await knex.schema.dropTable('audit_log');
}
