// Feedback sessions, their callers, sample draws with the frozen frame, and the selected complaints.
import type { Knex } from 'knex';
import { createTable, time, timestamps } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'feedback_sessions', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.integer('district_id').unsigned().notNullable().references('districts.id');
    t.date('session_date').notNullable();
    t.string('mode', 20).notNullable(); // officers: each caller gets their own N | pool: call-centre pool
    t.integer('per_caller');
    t.integer('total');
    t.text('frame_filter').notNullable().defaultTo('{}'); // JSON: disposal date range, departments, sources...
    t.text('design').notNullable().defaultTo('{}'); // JSON: simple | stratified, proportional | equal, minimum
    t.string('status', 20).notNullable(); // planned | drawn | active | closed
    t.boolean('record_calls').notNullable().defaultTo(false);
    t.integer('created_by').unsigned().references('users.id');
    timestamps(t);
    t.index(['district_id', 'session_date']);
  });
  await createTable(knex, 'session_callers', (t) => {
    t.integer('session_id').unsigned().notNullable().references('feedback_sessions.id').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('users.id');
    t.primary(['session_id', 'user_id']);
  });
  await createTable(knex, 'sample_draws', (t) => {
    t.increments('id');
    t.integer('session_id').unsigned().notNullable().references('feedback_sessions.id').onDelete('CASCADE');
    t.integer('draw_number').notNullable();
    t.string('seed', 200).notNullable();
    t.string('rule_name', 60).notNullable();
    t.string('rule_version', 20).notNullable();
    t.text('design').notNullable();
    t.string('frame_sha256', 64).notNullable();
    t.integer('frame_size').notNullable();
    t.integer('sample_size').notNullable();
    t.boolean('is_current').notNullable().defaultTo(true);
    t.integer('created_by').unsigned().references('users.id');
    time(t, 'created_at').notNullable();
    t.unique(['session_id', 'draw_number']);
  });
  // The frozen frame of a draw: one compressed blob, so freezing 800,000 references is one write.
  await createTable(knex, 'sample_draw_frames', (t) => {
    t.integer('draw_id').unsigned().primary().references('sample_draws.id').onDelete('CASCADE');
    t.string('encoding', 40).notNullable();
    t.binary('content').notNullable(); // longblob on MySQL via the raw alter below
  });
  await createTable(knex, 'sample_selections', (t) => {
    t.increments('id');
    t.integer('draw_id').unsigned().notNullable().references('sample_draws.id').onDelete('CASCADE');
    t.integer('complaint_id').unsigned().notNullable().references('complaints.id');
    t.string('reference_no', 40).notNullable();
    t.string('stratum', 60).notNullable();
    t.integer('rank_in_stratum').notNullable();
    t.string('rank_key', 64).notNullable();
    t.boolean('is_reserve').notNullable().defaultTo(false);
    t.integer('replaces_selection_id').unsigned();
    time(t, 'used_at');
    t.index(['draw_id', 'stratum', 'rank_in_stratum']);
  });
  if (knex.client.config.client === 'mysql2') {
    await knex.raw('ALTER TABLE sample_draw_frames MODIFY content LONGBLOB NOT NULL');
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sample_selections');
  await knex.schema.dropTable('sample_draw_frames');
  await knex.schema.dropTable('sample_draws');
  await knex.schema.dropTable('session_callers');
  await knex.schema.dropTable('feedback_sessions');
}
