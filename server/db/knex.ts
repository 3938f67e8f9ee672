// The knex instance and every per-engine setting (SQLite embedded default, MySQL/MariaDB in production).
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { DatabaseConfig } from '../config.js';
import { projectRoot } from '../config.js';

export type Engine = 'sqlite' | 'mysql';
export type Db = Knex;

const isCompiled = !import.meta.url.endsWith('.ts');

/** Where migrations live: TypeScript sources under tsx, compiled JavaScript under dist/. */
export const migrationConfig: Knex.MigratorConfig = {
  directory: isCompiled
    ? path.join(projectRoot, 'dist', 'db', 'migrations')
    : path.join(projectRoot, 'db', 'migrations'),
  loadExtensions: isCompiled ? ['.js'] : ['.ts'],
  tableName: 'knex_migrations',
};

export function createDb(config: DatabaseConfig, options: { pool?: { min: number; max: number } } = {}): Db {
  if (config.client === 'sqlite') {
    fs.mkdirSync(path.dirname(config.filename), { recursive: true });
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: config.filename },
      useNullAsDefault: true,
      migrations: migrationConfig,
      pool: {
        min: 1,
        max: 1,
        afterCreate(
          conn: { pragma: (s: string) => unknown },
          done: (err: Error | null, conn: unknown) => void,
        ) {
          // WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
          conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        },
      },
    });
  }
  return knexFactory({
    client: 'mysql2',
    connection: {
      uri: config.url,
      charset: 'utf8mb4',
      timezone: 'Z',
      // Times are stored as UTC 'YYYY-MM-DD HH:MM:SS.sss' strings on both engines; read them back as strings.
      dateStrings: true,
      decimalNumbers: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      multipleStatements: false,
    } as Knex.MySql2ConnectionConfig & { uri: string },
    migrations: migrationConfig,
    pool: {
      ...(options.pool ?? { min: 0, max: 20 }),
      afterCreate(
        conn: { query: (sql: string, cb: (err: Error | null) => void) => void },
        done: (err: Error | null, conn: unknown) => void,
      ) {
        // READ COMMITTED, as PostgreSQL and most MySQL shops run: InnoDB's default REPEATABLE READ keeps the lock
        // on every row a locking read looked at, even rows its WHERE then refused, until the transaction ends.
        // A claim that finds its candidate already taken would hold that task locked against its owner's
        // outcome; it also takes gap locks that deadlock concurrent inserts. Needs binlog_format ROW or MIXED
        // (the defaults of MySQL 8 and MariaDB) where the binary log is on.
        conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (err) => done(err, conn));
      },
    },
  });
}

/**
 * Runs `fn` with SQLite's page cache held to about `kib` KiB, then puts the connection's own setting back; on MySQL
 * it just runs `fn`. For one long pass over a big table, such as a draw: a large cache does not speed a single
 * scan, and the pages it keeps are memory the process holds until the connection closes. Inside a transaction,
 * pass the transaction (on SQLite it is the only connection).
 */
export async function withSqliteCacheSize<T>(db: Db, kib: number, fn: () => Promise<T>): Promise<T> {
  if (engineOf(db) === 'mysql') return fn();
  const [row] = (await db.raw('PRAGMA cache_size')) as Array<{ cache_size: number }>;
  await db.raw(`PRAGMA cache_size = ${-Math.round(kib)}`);
  try {
    return await fn();
  } finally {
    await db.raw(`PRAGMA cache_size = ${Number(row.cache_size)}`);
  }
}

export function engineOf(db: Db): Engine {
  const client = (db.client.config as Knex.Config).client;
  return client === 'mysql2' || client === 'mysql' ? 'mysql' : 'sqlite';
}

/** A short, human reason why the database cannot be reached, with what to do about it. */
export function explainDbError(err: unknown, config: DatabaseConfig): string {
  const e = err as { code?: string; message?: string };
  if (config.client === 'mysql') {
    const where = new URL(config.url);
    const host = `${where.hostname}:${where.port || 3306}`;
    switch (e.code) {
      case 'ECONNREFUSED':
        return `Nothing answers at ${host}. Start MySQL/MariaDB or fix the host and port in DATABASE_URL.`;
      case 'ENOTFOUND':
        return `The database host "${where.hostname}" in DATABASE_URL does not resolve. Check the host name.`;
      case 'ER_ACCESS_DENIED_ERROR':
        return `MySQL refused the user "${decodeURIComponent(where.username)}" at ${host}. Check the user and password in DATABASE_URL.`;
      case 'ER_BAD_DB_ERROR':
        return `The database "${config.database}" does not exist at ${host}. Create it: CREATE DATABASE \`${config.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`;
      default:
        return `Cannot use the MySQL database at ${host}: ${e.message ?? String(err)}`;
    }
  }
  return `Cannot open the SQLite file ${config.filename}: ${e.message ?? String(err)}. Check that its folder is writable.`;
}

/** Runs a trivial query; resolves to null when the database answers, or the reason when it does not. */
export async function pingDb(db: Db): Promise<string | null> {
  try {
    await db.raw('select 1 as ok');
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
