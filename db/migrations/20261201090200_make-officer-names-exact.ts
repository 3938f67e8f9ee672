// Makes officer names and designations compare exactly on MySQL/MariaDB, as they do on SQLite.
import type { Knex } from 'knex';

// Under utf8mb4_unicode_ci "RAM KUMAR" and "Ram Kumar" were one key of the officers' unique index, so
// the import's INSERT IGNORE kept the first spelling and its lookup of the second found nothing: the
// complaint was left without its officer. utf8mb4_bin makes an officer the same exact text on both
// engines (SQLite's default BINARY collation), which is also how the import matches them in memory.
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'mysql2') return;
  await knex.raw(
    'ALTER TABLE officers MODIFY name VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, ' +
      'MODIFY designation VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL',
  );
}

// Going back fails if two officers now differ only in case (the unique index would join them).
export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'mysql2') return;
  await knex.raw(
    'ALTER TABLE officers MODIFY name VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL, ' +
      'MODIFY designation VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL',
  );
}
