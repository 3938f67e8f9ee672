// Reading and writing run-time settings (JSON values in the settings table).
import type { Knex } from 'knex';
import { nowDb } from './dates.js';

export async function getSetting<T>(db: Knex, key: string, fallback: T): Promise<T> {
  const row = (await db('settings').where({ key }).first()) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : fallback;
}

export async function putSetting(db: Knex, key: string, value: unknown): Promise<void> {
  await db('settings')
    .insert({ key, value: JSON.stringify(value), updated_at: nowDb() })
    .onConflict('key')
    .merge(['value', 'updated_at']);
}
