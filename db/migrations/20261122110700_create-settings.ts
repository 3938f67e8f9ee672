// Key-value settings the admin can change at run time (calling hours, attempts, demo mode...).
import type { Knex } from 'knex';
import { createTable, time } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'settings', (t) => {
    t.string('key', 100).primary();
    t.text('value').notNullable(); // JSON
    time(t, 'updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('settings');
}
