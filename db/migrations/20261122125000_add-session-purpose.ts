// Marks a feedback session as a regular sampled session or a standing re-verification queue for re-disposed reports.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('feedback_sessions', (t) => {
    t.string('purpose', 20).notNullable().defaultTo('regular'); // regular | reverification
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('feedback_sessions', (t) => {
    t.dropColumn('purpose');
  });
}
