// The signed-in user of a session as a column: a request reads its session and its user in one query.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('web_sessions', (t) => {
    t.integer('user_id').unsigned().nullable().index('web_sessions_user_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('web_sessions', (t) => {
    t.dropIndex(['user_id'], 'web_sessions_user_id_index');
    t.dropColumn('user_id');
  });
}
