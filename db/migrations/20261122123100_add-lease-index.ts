// An index for "the task this caller holds", read at the start of every claim.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_tasks', (t) => {
    t.index(['lease_user_id', 'status'], 'call_tasks_lease_user_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_tasks', (t) => {
    t.dropIndex(['lease_user_id', 'status'], 'call_tasks_lease_user_status_index');
  });
}
