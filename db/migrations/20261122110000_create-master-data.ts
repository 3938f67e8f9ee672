// Districts, departments, responsible officers and district holidays: the master lists.
import type { Knex } from 'knex';
import { createTable, timestamps } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'districts', (t) => {
    t.increments('id');
    t.string('code', 40).notNullable().unique();
    t.string('name_en', 100).notNullable();
    t.string('name_hi', 100).notNullable();
    // Per-district settings (session weeks, calling hours); JSON text so both engines read it alike.
    t.text('settings').notNullable().defaultTo('{}');
    timestamps(t);
  });
  await createTable(knex, 'departments', (t) => {
    t.increments('id');
    t.string('code', 40).notNullable().unique();
    t.string('name_en', 150).notNullable();
    t.string('name_hi', 150).notNullable();
    t.text('aliases').notNullable().defaultTo('[]');
    timestamps(t);
  });
  await createTable(knex, 'officers', (t) => {
    t.increments('id');
    t.string('name', 150).notNullable();
    t.string('designation', 150).notNullable();
    t.integer('department_id').unsigned().notNullable().references('departments.id');
    t.integer('district_id').unsigned().notNullable().references('districts.id');
    t.string('phone', 20);
    t.string('email', 200);
    timestamps(t);
    t.unique(['district_id', 'department_id', 'name', 'designation']);
  });
  await createTable(knex, 'district_holidays', (t) => {
    t.increments('id');
    t.integer('district_id').unsigned().notNullable().references('districts.id');
    t.date('day').notNullable();
    t.string('name', 150);
    t.unique(['district_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('district_holidays');
  await knex.schema.dropTable('officers');
  await knex.schema.dropTable('departments');
  await knex.schema.dropTable('districts');
}
