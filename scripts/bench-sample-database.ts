// Where `npm run bench:sample` keeps its data (data/bench/sample.sqlite, or MariaDB `bench_sample`, BENCH_MYSQL_URL),
// and the app's dependencies its two processes build around that database.
import path from 'node:path';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { loadConfig, projectRoot, type DatabaseConfig } from '../server/config.js';
import type { AppDeps } from '../server/deps.js';
import { AuditLog } from '../server/features/audit/audit-log.js';
import { systemClock } from '../server/shared/dates.js';
import { EventBus } from '../server/shared/events.js';

export const BENCH_MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/bench_sample';

export function benchDatabase(engine: string): DatabaseConfig {
  if (engine === 'mysql') {
    const url = new URL(BENCH_MYSQL_URL);
    return { client: 'mysql', url: BENCH_MYSQL_URL, database: url.pathname.slice(1) } as DatabaseConfig;
  }
  return { client: 'sqlite', filename: path.join(projectRoot, 'data', 'bench', 'sample.sqlite') };
}

/** The services' dependencies on the benchmark's database: real clock, silent logs, no Redis. */
export function benchDeps(db: Knex): AppDeps {
  return {
    config: loadConfig({
      NODE_ENV: 'test',
      SESSION_SECRET: 'bench-secret-bench-secret',
      LOG_LEVEL: 'silent',
    }),
    db,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    events: new EventBus(),
    audit: new AuditLog(systemClock),
  };
}
