// Complaints imported from IGRS, their import batches and row errors, and the history of disposal reports.
import type { Knex } from 'knex';
import { createTable, time, timestamps } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'import_batches', (t) => {
    t.increments('id');
    t.string('file_name', 255).notNullable();
    t.string('file_sha256', 64);
    t.integer('user_id').unsigned().references('users.id');
    t.string('status', 20).notNullable(); // running | done | refused | failed
    t.boolean('dry_run').notNullable().defaultTo(false);
    t.integer('rows_read').notNullable().defaultTo(0);
    t.integer('rows_inserted').notNullable().defaultTo(0);
    t.integer('rows_updated').notNullable().defaultTo(0);
    t.integer('rows_unchanged').notNullable().defaultTo(0);
    t.integer('rows_rejected').notNullable().defaultTo(0);
    t.text('message');
    time(t, 'started_at').notNullable();
    time(t, 'finished_at');
  });
  await createTable(knex, 'import_errors', (t) => {
    t.increments('id');
    t.integer('batch_id').unsigned().notNullable().references('import_batches.id').onDelete('CASCADE');
    t.integer('row_number').notNullable();
    t.string('column_name', 100);
    t.string('reason_key', 100).notNullable();
    t.text('detail');
    t.index(['batch_id', 'row_number']);
  });
  await createTable(knex, 'complaints', (t) => {
    t.increments('id');
    t.string('reference_no', 40).notNullable().unique();
    t.string('source', 60);
    time(t, 'received_at');
    time(t, 'due_at');
    time(t, 'disposed_at');
    t.string('complainant_name', 200);
    t.string('mobile', 16); // E.164, e.g. +919876543210; null when the export had no valid Indian mobile
    t.text('address');
    t.integer('district_id').unsigned().notNullable().references('districts.id');
    t.string('tehsil', 100);
    t.string('block', 100);
    t.string('thana', 100);
    t.integer('department_id').unsigned().notNullable().references('departments.id');
    t.integer('officer_id').unsigned().references('officers.id');
    t.string('subject', 500);
    t.text('complaint_text');
    t.text('disposal_report');
    t.string('status', 30).notNullable(); // pending | defaulter | disposed | special_closed | reopened | redisposed ...
    t.boolean('redisposed').notNullable().defaultTo(false);
    t.text('extra'); // unknown export columns, kept as JSON
    t.string('content_hash', 64); // hash of the imported fields, so a re-import of the same row is a no-op
    t.integer('import_batch_id').unsigned().references('import_batches.id');
    time(t, 'last_verified_at');
    timestamps(t);
    t.index(['district_id', 'status', 'disposed_at']);
    t.index(['department_id']);
  });
  await createTable(knex, 'complaint_report_history', (t) => {
    t.increments('id');
    t.integer('complaint_id').unsigned().notNullable().references('complaints.id').onDelete('CASCADE');
    t.text('disposal_report');
    time(t, 'disposed_at');
    t.integer('replaced_by_batch_id').unsigned().references('import_batches.id');
    time(t, 'replaced_at').notNullable();
    t.index(['complaint_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('complaint_report_history');
  await knex.schema.dropTable('complaints');
  await knex.schema.dropTable('import_errors');
  await knex.schema.dropTable('import_batches');
}
