// Small helpers so migrations read the same on both engines (utf8mb4 on MySQL, UTC time columns).
import type { Knex } from 'knex';
import { engineOf } from './knex.js';

/** Creates a table with utf8mb4 on MySQL/MariaDB (complaint text is Hindi); SQLite is UTF-8 already. */
export function createTable(
  knex: Knex,
  name: string,
  build: (t: Knex.CreateTableBuilder) => void,
): Knex.SchemaBuilder {
  const mysql = engineOf(knex) === 'mysql';
  return knex.schema.createTable(name, (t) => {
    if (mysql) {
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
      t.engine('InnoDB');
    }
    build(t);
  });
}

/** A UTC time column stored as 'YYYY-MM-DD HH:MM:SS.sss' (see server/shared/dates.ts). */
export function time(t: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return t.datetime(name, { precision: 3 });
}

/** created_at / updated_at, filled by the repositories (not by database defaults, which differ by engine). */
export function timestamps(t: Knex.CreateTableBuilder): void {
  time(t, 'created_at').notNullable();
  time(t, 'updated_at').notNullable();
}
