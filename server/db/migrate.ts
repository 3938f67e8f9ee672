// Applies pending migrations, turning failures into a sentence that says what to do.
import type { Knex } from 'knex';
import { migrationConfig } from './knex.js';

export class MigrationError extends Error {}

export async function migrateLatest(db: Knex): Promise<string[]> {
  try {
    const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
    return applied;
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new MigrationError(
      `A database migration failed: ${e.message}\n` +
        'Nothing of that migration was kept where the engine allows it (SQLite: always; MySQL: data changes only). ' +
        'Fix the cause above and run `npm run migrate` again; `npx knex migrate:list` shows what is applied.',
    );
  }
}
