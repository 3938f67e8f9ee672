// Puts the master lists (districts, departments) into the database and reads them back for matching.
import type { Knex } from 'knex';
import { nowDb } from '../../shared/dates.js';
import { DEPARTMENTS, DISTRICTS, type MasterEntry } from './master-data.js';

/** Inserts any district or department that is missing; existing rows are left as they are. Idempotent. */
export async function ensureMasterData(db: Knex): Promise<void> {
  const now = nowDb();
  const rows = (list: MasterEntry[], withAliases: boolean) =>
    list.map((e) => ({
      code: e.code,
      name_en: e.nameEn,
      name_hi: e.nameHi,
      ...(withAliases ? { aliases: JSON.stringify(e.aliases) } : { settings: '{}' }),
      created_at: now,
      updated_at: now,
    }));
  await db('districts').insert(rows(DISTRICTS, false)).onConflict('code').ignore();
  await db('departments').insert(rows(DEPARTMENTS, true)).onConflict('code').ignore();
}

export interface MasterRow {
  id: number;
  code: string;
  name_en: string;
  name_hi: string;
}

export async function listDistricts(db: Knex): Promise<MasterRow[]> {
  return db('districts').select('id', 'code', 'name_en', 'name_hi').orderBy('name_en');
}

export async function listDepartments(db: Knex): Promise<MasterRow[]> {
  return db('departments').select('id', 'code', 'name_en', 'name_hi').orderBy('name_en');
}
