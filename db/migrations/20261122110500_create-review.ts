// Flags on disposal reports, their review (reject / uphold), and explanation demands to officers.
import type { Knex } from 'knex';
import { createTable, time, timestamps } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'report_flags', (t) => {
    t.increments('id');
    t.integer('complaint_id').unsigned().notNullable().references('complaints.id');
    t.integer('session_id').unsigned().notNullable().references('feedback_sessions.id');
    t.integer('outcome_id').unsigned().references('outcomes.id');
    t.string('reason', 30).notNullable(); // unsatisfied | not_addressed | perfunctory
    t.integer('raised_by').unsigned().references('users.id');
    t.string('status', 20).notNullable(); // open | rejected | upheld
    t.text('reason_codes').notNullable().defaultTo('[]');
    t.text('note');
    t.integer('decided_by').unsigned().references('users.id');
    time(t, 'decided_at');
    timestamps(t);
    t.unique(['session_id', 'complaint_id']);
  });
  await createTable(knex, 'explanation_demands', (t) => {
    t.increments('id');
    t.integer('flag_id').unsigned().notNullable().unique().references('report_flags.id');
    t.integer('session_id').unsigned().notNullable().references('feedback_sessions.id');
    t.integer('officer_id').unsigned().references('officers.id');
    t.integer('complaint_id').unsigned().notNullable().references('complaints.id');
    time(t, 'deadline_at').notNullable();
    t.string('status', 20).notNullable(); // demanded | replied | accepted | not_accepted
    t.text('reply_text');
    time(t, 'replied_at');
    t.integer('reply_entered_by').unsigned().references('users.id');
    t.integer('decided_by').unsigned().references('users.id');
    time(t, 'decided_at');
    t.text('decision_note');
    timestamps(t);
    t.index(['session_id', 'officer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('explanation_demands');
  await knex.schema.dropTable('report_flags');
}
