// Stores a draw's frozen frame as numbered parts of at most 1 MB instead of one blob: writing an 800,000-complaint
// frame then never needs the whole compressed frame in one buffer, nor in one MySQL packet (max_allowed_packet).
import type { Knex } from 'knex';
import { createTable } from '../../server/db/schema.js';

const isMysql = (knex: Knex) => knex.client.config.client === 'mysql2';

/** MySQL keeps a renamed table's foreign key under its old name: give it the name knex would use for this table. */
async function renameDrawForeignKey(knex: Knex, from: string): Promise<void> {
  if (!isMysql(knex)) return;
  await knex.raw(
    `ALTER TABLE sample_draw_frames DROP FOREIGN KEY ${from}_draw_id_foreign, ADD CONSTRAINT sample_draw_frames_draw_id_foreign FOREIGN KEY (draw_id) REFERENCES sample_draws (id) ON DELETE CASCADE`,
  );
}

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'sample_draw_frame_parts', (t) => {
    t.integer('draw_id').unsigned().notNullable().references('sample_draws.id').onDelete('CASCADE');
    t.integer('part_no').notNullable().defaultTo(0); // the file is the parts' contents in part_no order
    t.string('encoding', 40).notNullable();
    t.binary('content').notNullable();
    t.primary(['draw_id', 'part_no']);
  });
  if (isMysql(knex)) await knex.raw('ALTER TABLE sample_draw_frame_parts MODIFY content LONGBLOB NOT NULL');
  await knex.raw(
    'INSERT INTO sample_draw_frame_parts (draw_id, part_no, encoding, content) SELECT draw_id, 0, encoding, content FROM sample_draw_frames',
  );
  await knex.schema.dropTable('sample_draw_frames');
  await knex.schema.renameTable('sample_draw_frame_parts', 'sample_draw_frames');
  await renameDrawForeignKey(knex, 'sample_draw_frame_parts');
}

export async function down(knex: Knex): Promise<void> {
  await createTable(knex, 'sample_draw_frames_whole', (t) => {
    t.integer('draw_id').unsigned().primary().references('sample_draws.id').onDelete('CASCADE');
    t.string('encoding', 40).notNullable();
    t.binary('content').notNullable();
  });
  if (isMysql(knex)) await knex.raw('ALTER TABLE sample_draw_frames_whole MODIFY content LONGBLOB NOT NULL');
  // Parts of one frame share its encoding; gzip parts concatenate into one valid gzip file (RFC 1952 §2.2).
  const draws = (await knex('sample_draw_frames').distinct('draw_id').pluck('draw_id')) as number[];
  for (const drawId of draws) {
    const parts = (await knex('sample_draw_frames')
      .where({ draw_id: drawId })
      .orderBy('part_no')
      .select('encoding', 'content')) as Array<{ encoding: string; content: Buffer }>;
    await knex('sample_draw_frames_whole').insert({
      draw_id: drawId,
      encoding: parts[0].encoding,
      content: Buffer.concat(parts.map((p) => Buffer.from(p.content))),
    });
  }
  await knex.schema.dropTable('sample_draw_frames');
  await knex.schema.renameTable('sample_draw_frames_whole', 'sample_draw_frames');
  await renameDrawForeignKey(knex, 'sample_draw_frames_whole');
}
