// An index in the queue's own order, so a claim reads the best few tasks of a session without sorting the whole queue.
import type { Knex } from 'knex';

const NAME = 'call_tasks_claim_order_index';

export async function up(knex: Knex): Promise<void> {
  // Mixed directions need a raw statement (knex's index builder has none); MySQL 8, MariaDB 10.8+ and SQLite
  // all keep DESC in an index, so "is_callback DESC, priority DESC, due_at, id" is one ordered index walk.
  await knex.raw(
    `CREATE INDEX ${NAME} ON call_tasks ` +
      '(session_id, status, assigned_user_id, is_callback DESC, priority DESC, due_at, id)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_tasks', (t) => {
    t.dropIndex([], NAME);
  });
}
