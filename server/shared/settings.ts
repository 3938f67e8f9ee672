// Reading and writing run-time settings (JSON values in the settings table).
import type { Knex } from 'knex';
import { nowDb } from './dates.js';

export async function getSetting<T>(db: Knex, key: string, fallback: T): Promise<T> {
  const row = (await db('settings').where({ key }).first()) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : fallback;
}

// Settings read on hot paths are kept for a few seconds per database; a write in this process forgets them at
// once, a write in another process is seen within the few seconds.
const cached = new WeakMap<object, Map<string, { at: number; value: unknown }>>();
const cacheOf = (db: Knex) => {
  const key = (db.client as { config: object }).config;
  let map = cached.get(key);
  if (!map) cached.set(key, (map = new Map()));
  return map;
};

/** A setting read at most once every `ttlMs` per database (and at once again after putSetting here). */
export async function getSettingCached<T>(db: Knex, key: string, fallback: T, ttlMs: number): Promise<T> {
  const map = cacheOf(db);
  const hit = map.get(key);
  if (hit && Date.now() - hit.at < ttlMs) return hit.value as T;
  const value = await getSetting(db, key, fallback);
  map.set(key, { at: Date.now(), value });
  return value;
}

export async function putSetting(db: Knex, key: string, value: unknown): Promise<void> {
  await db('settings')
    .insert({ key, value: JSON.stringify(value), updated_at: nowDb() })
    .onConflict('key')
    .merge(['value', 'updated_at']);
  cacheOf(db).delete(key);
}

/** Forgets every cached setting of a database (tests empty the settings table between tests). */
export function forgetCachedSettings(db: Knex): void {
  cacheOf(db).clear();
}
