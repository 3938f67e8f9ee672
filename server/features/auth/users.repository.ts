// Users and their district scope, as plain objects.
import type { Knex } from 'knex';
import type { Role } from '../../shared/http.js';
import type { Lang } from '../../shared/i18n.js';

export interface SignedInUser {
  id: number;
  username: string;
  displayName: string;
  designation: string | null;
  role: Role;
  /** The districts the user may see, or 'all' for the whole state. */
  districtIds: number[] | 'all';
  departmentId: number | null;
  phone: string | null;
  language: Lang;
  active: boolean;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  designation: string | null;
  password_hash: string;
  role: Role;
  all_districts: number | boolean;
  department_id: number | null;
  phone: string | null;
  language: string;
  active: number | boolean;
}

async function toUser(db: Knex, row: UserRow): Promise<SignedInUser> {
  const districtIds = row.all_districts
    ? ('all' as const)
    : ((await db('user_districts').where({ user_id: row.id }).pluck('district_id')) as number[]);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    designation: row.designation,
    role: row.role,
    districtIds,
    departmentId: row.department_id,
    phone: row.phone,
    language: row.language === 'en' ? 'en' : 'hi',
    active: Boolean(row.active),
  };
}

export async function findUserById(db: Knex, id: number): Promise<SignedInUser | null> {
  const row = (await db('users').where({ id }).first()) as UserRow | undefined;
  return row ? toUser(db, row) : null;
}

export async function findUserForSignIn(
  db: Knex,
  username: string,
): Promise<{ user: SignedInUser; passwordHash: string } | null> {
  const row = (await db('users').where({ username: username.trim().toLowerCase() }).first()) as
    UserRow | undefined;
  return row ? { user: await toUser(db, row), passwordHash: row.password_hash } : null;
}

export interface NewUser {
  username: string;
  displayName: string;
  designation?: string | null;
  passwordHash: string;
  role: Role;
  districtIds: number[] | 'all';
  departmentId?: number | null;
  phone?: string | null;
  language?: Lang;
}

export async function insertUser(trx: Knex.Transaction, u: NewUser, now: string): Promise<number> {
  const [id] = await trx('users').insert({
    username: u.username.trim().toLowerCase(),
    display_name: u.displayName,
    designation: u.designation ?? null,
    password_hash: u.passwordHash,
    role: u.role,
    all_districts: u.districtIds === 'all',
    department_id: u.departmentId ?? null,
    phone: u.phone ?? null,
    language: u.language ?? 'hi',
    active: true,
    created_at: now,
    updated_at: now,
  });
  if (u.districtIds !== 'all' && u.districtIds.length > 0) {
    await trx('user_districts').insert(u.districtIds.map((district_id) => ({ user_id: id, district_id })));
  }
  return id as number;
}

/** Whether a user may see a district's data. */
export function canSeeDistrict(user: SignedInUser, districtId: number): boolean {
  return user.districtIds === 'all' || user.districtIds.includes(districtId);
}

/** Restricts a query to the user's districts (the column holds a district id). */
export function whereInScope<T extends Knex.QueryBuilder>(query: T, user: SignedInUser, column: string): T {
  if (user.districtIds === 'all') return query;
  return query.whereIn(column, user.districtIds) as T;
}
