// Call scripts, call tasks (the queue), call attempts and the outcomes recorded for them.
import type { Knex } from 'knex';
import { createTable, time, timestamps } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'call_scripts', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable();
    t.integer('version').notNullable();
    t.string('language', 5).notNullable();
    t.text('body').notNullable(); // Handlebars template
    t.text('questions').notNullable(); // JSON: questions with branching
    t.integer('created_by').unsigned().references('users.id');
    time(t, 'created_at').notNullable();
    t.unique(['name', 'language', 'version']);
  });
  await createTable(knex, 'call_tasks', (t) => {
    t.increments('id');
    t.integer('session_id').unsigned().notNullable().references('feedback_sessions.id').onDelete('CASCADE');
    t.integer('selection_id').unsigned().references('sample_selections.id');
    t.integer('complaint_id').unsigned().notNullable().references('complaints.id');
    t.integer('assigned_user_id').unsigned().references('users.id'); // null: the session's shared pool
    t.string('status', 20).notNullable(); // queued | claimed | done | unreachable | replaced | cancelled
    t.integer('priority').notNullable().defaultTo(0);
    time(t, 'due_at').notNullable();
    t.boolean('is_callback').notNullable().defaultTo(false);
    t.integer('lease_user_id').unsigned().references('users.id');
    time(t, 'lease_expires_at');
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_disposition', 40);
    timestamps(t);
    t.index(['session_id', 'status', 'due_at']);
    t.index(['assigned_user_id', 'status']);
    t.index(['status', 'lease_expires_at']);
  });
  await createTable(knex, 'call_attempts', (t) => {
    t.increments('id');
    t.integer('task_id').unsigned().notNullable().references('call_tasks.id').onDelete('CASCADE');
    t.integer('user_id').unsigned().references('users.id'); // null for automated IVR calls
    t.string('channel', 20).notNullable(); // manual | twilio | ivr
    time(t, 'started_at').notNullable();
    time(t, 'ended_at');
    t.integer('duration_seconds');
    t.string('disposition', 40); // see server/features/calls/dispositions.ts
    t.string('aapor_code', 10);
    t.integer('script_id').unsigned().references('call_scripts.id');
    t.string('call_sid', 64).unique();
    t.string('call_status', 20);
    t.string('recording_sid', 64);
    t.string('recording_url', 500);
    t.integer('recording_seconds');
    t.string('error_key', 100);
    t.index(['task_id']);
  });
  await createTable(knex, 'outcomes', (t) => {
    t.increments('id');
    t.integer('task_id').unsigned().notNullable().references('call_tasks.id').onDelete('CASCADE');
    t.integer('attempt_id').unsigned().references('call_attempts.id');
    t.integer('complaint_id').unsigned().notNullable().references('complaints.id');
    t.integer('session_id').unsigned().notNullable().references('feedback_sessions.id');
    t.integer('user_id').unsigned().references('users.id');
    t.string('verdict', 30); // satisfied | partly_satisfied | unsatisfied | not_addressed
    t.text('answers').notNullable().defaultTo('{}');
    t.text('remarks');
    t.string('idempotency_key', 100).notNullable().unique();
    t.integer('corrects_outcome_id').unsigned().references('outcomes.id'); // a correction is a new row
    t.text('correction_reason');
    t.boolean('is_current').notNullable().defaultTo(true);
    time(t, 'created_at').notNullable();
    t.index(['session_id', 'is_current']);
    t.index(['task_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outcomes');
  await knex.schema.dropTable('call_attempts');
  await knex.schema.dropTable('call_tasks');
  await knex.schema.dropTable('call_scripts');
}
