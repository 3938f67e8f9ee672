// An index for "the task this caller holds", read at the start of every claim.
import type { Knex } from 'knex';
import { engineOf } from '../../server/db/knex.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_tasks', (t) => {
    t.index(['lease_user_id', 'status'], 'call_tasks_lease_user_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_tasks', (t) => {
    // MySQL lets this index serve the lease_user_id foreign key in place of its own: give the key one back first.
    if (engineOf(knex) === 'mysql') t.index(['lease_user_id'], 'call_tasks_lease_user_id_foreign');
    t.dropIndex(['lease_user_id', 'status'], 'call_tasks_lease_user_status_index');
  });
}
