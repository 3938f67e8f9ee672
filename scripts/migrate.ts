// npm run migrate: applies pending migrations and exits (the Procfile's release step).
import 'dotenv/config';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/bootstrap.js';
import { migrateLatest } from '../server/db/migrate.js';
import { ensureMasterData } from '../server/features/complaints/master-data.repository.js';

try {
  const config = loadConfig();
  const db = await openDatabase(config);
  const applied = await migrateLatest(db);
  await ensureMasterData(db);
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}`
      : 'The database is up to date.',
  );
  await db.destroy();
} catch (err) {
  console.error(`Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
