// The test database: a fresh SQLite file by default, MariaDB/MySQL when TEST_DATABASE_URL=mysql://... is set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { DatabaseConfig } from '../../server/config.js';
import { parseDatabaseUrl } from '../../server/config.js';
import { createDb, engineOf } from '../../server/db/knex.js';
import { migrateLatest } from '../../server/db/migrate.js';
import { ensureMasterData } from '../../server/features/complaints/master-data.repository.js';
import { forgetCachedSettings } from '../../server/shared/settings.js';

const KEEP = new Set([
  'knex_migrations',
  'knex_migrations_lock',
  'districts',
  'departments',
  'sqlite_sequence',
]);

export function testDatabaseConfig(): DatabaseConfig {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return parseDatabaseUrl(url, '');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-test-'));
  return { client: 'sqlite', filename: path.join(dir, 'test.sqlite') };
}

/** Creates the MySQL database named in the URL when it is missing (utf8mb4). */
async function ensureMysqlDatabase(config: Extract<DatabaseConfig, { client: 'mysql' }>): Promise<void> {
  const server = new URL(config.url);
  server.pathname = '/';
  const admin = knexFactory({
    client: 'mysql2',
    connection: { uri: server.toString() } as Knex.MySql2ConnectionConfig,
  });
  try {
    await admin.raw(
      `CREATE DATABASE IF NOT EXISTS \`${config.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.destroy();
  }
}

let shared: Promise<Knex> | null = null;

/** One migrated database per test process, shared by every test file. */
export function testDb(): Promise<Knex> {
  shared ??= (async () => {
    const config = testDatabaseConfig();
    if (config.client === 'mysql') await ensureMysqlDatabase(config);
    const db = createDb(config);
    await migrateLatest(db);
    await ensureMasterData(db);
    return db;
  })();
  return shared;
}

export async function closeTestDb(): Promise<void> {
  if (!shared) return;
  const db = await shared;
  shared = null;
  await db.destroy();
}

async function tableNames(db: Knex): Promise<string[]> {
  if (engineOf(db) === 'mysql') {
    const [rows] = (await db.raw(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    )) as [Array<{ name: string }>];
    return rows.map((r) => r.name);
  }
  const rows = (await db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")) as Array<{
    name: string;
  }>;
  return rows.map((r) => r.name);
}

/**
 * Empties every table but the migrations and the district/department master lists, and gives every district its
 * default settings back (a test that sets a district's calling hours must not change the next test's).
 */
export async function resetDb(db: Knex): Promise<void> {
  const tables = (await tableNames(db)).filter((t) => !KEEP.has(t));
  if (engineOf(db) === 'mysql') {
    await db.transaction(async (trx) => {
      await trx.raw('SET FOREIGN_KEY_CHECKS = 0');
      for (const t of tables) await trx(t).del();
      await trx.raw('SET FOREIGN_KEY_CHECKS = 1');
    });
  } else {
    await db.raw('PRAGMA foreign_keys = OFF');
    try {
      await db.transaction(async (trx) => {
        for (const t of tables) await trx(t).del();
      });
    } finally {
      await db.raw('PRAGMA foreign_keys = ON');
    }
  }
  await db('districts').whereNot('settings', '{}').update({ settings: '{}' });
  forgetCachedSettings(db);
  await db('audit_head').insert({ id: 1, last_seq: 0, last_hash: '0'.repeat(64) });
}

/** Mocha hooks for a test file: the shared database, emptied before each test. */
export function useTestDb(): { readonly db: Knex } {
  let db: Knex | null = null;
  before(async () => {
    db = await testDb();
  });
  beforeEach(async () => {
    await resetDb(db!);
  });
  return {
    get db() {
      if (!db) throw new Error('useTestDb: the database is ready only inside tests and hooks');
      return db;
    },
  };
}

/** An empty database of a test's own, not migrated: a temporary SQLite file, or `<test database>_<name>` on MySQL. */
export async function scratchDatabase(name: string): Promise<{ db: Knex; drop(): Promise<void> }> {
  const base = testDatabaseConfig();
  if (base.client === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `desk-${name}-`));
    const db = createDb({ client: 'sqlite', filename: path.join(dir, `${name}.sqlite`) });
    return {
      db,
      async drop() {
        await db.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = `${base.database}_${name}`;
  const server = new URL(base.url);
  server.pathname = '/';
  const admin = knexFactory({
    client: 'mysql2',
    connection: { uri: server.toString() } as Knex.MySql2ConnectionConfig,
  });
  await admin.raw(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.raw(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  server.pathname = `/${database}`;
  const db = createDb({ client: 'mysql', url: server.toString(), database });
  return {
    db,
    async drop() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.destroy();
    },
  };
}
