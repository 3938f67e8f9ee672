// The districts an import batch's rows belong to: who may open the batch and its errors (docs/import-columns.md).
import type { Knex } from 'knex';
import { createTable } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'import_batch_districts', (t) => {
    t.integer('batch_id').unsigned().notNullable().references('import_batches.id').onDelete('CASCADE');
    t.integer('district_id').unsigned().notNullable().references('districts.id');
    t.primary(['batch_id', 'district_id']);
    t.index(['district_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('import_batch_districts');
}
