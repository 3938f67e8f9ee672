// The columns the call queue needs beyond the first data model: the attempt a lease belongs to, and each outcome's disposition.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_tasks', (t) => {
    // The attempt opened by the current (or last) claim, so an outcome or a Twilio callback finds it.
    t.integer('current_attempt_id').unsigned().references('call_attempts.id');
  });
  await knex.schema.alterTable('outcomes', (t) => {
    t.string('disposition', 40).notNullable().defaultTo('other');
    t.string('aapor_code', 10);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outcomes', (t) => {
    t.dropColumn('aapor_code');
    t.dropColumn('disposition');
  });
  await knex.schema.alterTable('call_tasks', (t) => {
    t.dropForeign(['current_attempt_id']);
    t.dropColumn('current_attempt_id');
  });
}
