// What every feature is built from: config, database, clock, logger, event bus and audit log.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/knex.js';
import type { Clock } from './shared/dates.js';
import type { EventBus } from './shared/events.js';
import type { AuditLog } from './features/audit/audit-log.js';

export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  audit: AuditLog;
}
