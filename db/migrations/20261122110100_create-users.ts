// Users, their roles and district scope, and the web sign-in sessions kept in the database.
import type { Knex } from 'knex';
import { createTable, time, timestamps } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'users', (t) => {
    t.increments('id');
    t.string('username', 80).notNullable().unique();
    t.string('display_name', 150).notNullable();
    t.string('designation', 150);
    t.string('password_hash', 255).notNullable();
    t.string('role', 20).notNullable(); // admin | supervisor | session_officer | caller | viewer
    t.boolean('all_districts').notNullable().defaultTo(false);
    // The department an officer answers for: they never verify that department's complaints.
    t.integer('department_id').unsigned().references('departments.id');
    t.string('phone', 20); // the caller's own phone, rung first in a Twilio bridge call
    t.string('language', 5).notNullable().defaultTo('hi');
    t.boolean('active').notNullable().defaultTo(true);
    time(t, 'last_login_at');
    timestamps(t);
  });
  await createTable(knex, 'user_districts', (t) => {
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.integer('district_id').unsigned().notNullable().references('districts.id');
    t.primary(['user_id', 'district_id']);
  });
  await createTable(knex, 'web_sessions', (t) => {
    t.string('sid', 255).primary();
    t.text('sess').notNullable();
    time(t, 'expired').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('web_sessions');
  await knex.schema.dropTable('user_districts');
  await knex.schema.dropTable('users');
}
