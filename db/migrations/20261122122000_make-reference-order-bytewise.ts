// Makes reference numbers compare byte by byte on MySQL/MariaDB, so the sampling frame's ORDER BY is the draw rule's order.
import type { Knex } from 'knex';

// utf8mb4_unicode_ci (the table default) folds case and ignores some punctuation; the frame file must be in
// `LC_ALL=C sort` order (docs/sampling-rule.md §2), which utf8mb4_bin gives for any UTF-8 text. SQLite's
// default BINARY collation already compares bytes.
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'mysql2') return;
  await knex.raw(
    'ALTER TABLE complaints MODIFY reference_no VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL',
  );
  await knex.raw(
    'ALTER TABLE sample_selections MODIFY reference_no VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'mysql2') return;
  await knex.raw(
    'ALTER TABLE sample_selections MODIFY reference_no VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL',
  );
  await knex.raw(
    'ALTER TABLE complaints MODIFY reference_no VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL',
  );
}
