// Builds the dependencies a process needs: config, database (reachable and migrated), logger, events, audit.
import { type Config, loadConfig } from './config.js';
import { createDb, explainDbError, type Db } from './db/knex.js';
import { migrateLatest } from './db/migrate.js';
import type { AppDeps } from './deps.js';
import { AuditLog } from './features/audit/audit-log.js';
import { ensureMasterData } from './features/complaints/master-data.repository.js';
import { createLogger } from './logger.js';
import { systemClock } from './shared/dates.js';
import { EventBus } from './shared/events.js';

export class StartupError extends Error {}

/** Opens the database and checks it answers; an unreachable one is a StartupError with the fix in it. */
export async function openDatabase(config: Config): Promise<Db> {
  const db = createDb(config.database);
  try {
    await db.raw('select 1');
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw new StartupError(explainDbError(err, config.database));
  }
  return db;
}

export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<AppDeps> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config);
  const applied = await migrateLatest(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  await ensureMasterData(db);
  return { config, db, clock: systemClock, logger, events: new EventBus(), audit: new AuditLog(systemClock) };
}
