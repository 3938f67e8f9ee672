// Keeps each draw's per-pool quotas (size, sample, reserves), so a stored draw can be checked pool by pool, empty pools too.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sample_draws', (t) => {
    t.text('quotas'); // JSON: [{pool, frameSize, sampleSize, reserveSize}] in byte order of pool label
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sample_draws', (t) => {
    t.dropColumn('quotas');
  });
}
