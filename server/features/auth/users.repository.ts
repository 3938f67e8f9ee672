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

export interface UserRow {
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
  return toSignedIn(row, districtIds);
}

function toSignedIn(row: UserRow, districtIds: number[] | 'all'): SignedInUser {
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

/** What a query selects, beside `users.*`, to make a signed-in user with their districts from one row. */
export function districtListColumn(db: Knex): Knex.Raw {
  // group_concat is spelled the same and joins with ',' on both engines.
  return db.raw(
    '(select group_concat(ud.district_id) from user_districts ud where ud.user_id = users.id) as district_list',
  );
}

export type UserWithDistrictList = UserRow & { district_list: string | null };

export function signedInUserFrom(row: UserWithDistrictList): SignedInUser {
  const listed = row.district_list ? row.district_list.split(',').map(Number) : [];
  return toSignedIn(row, row.all_districts ? 'all' : listed.sort((a, b) => a - b));
}

/** The signed-in user of a request, with their districts, in one query. */
export async function findUserById(db: Knex, id: number): Promise<SignedInUser | null> {
  const row = (await db('users').where({ id }).first('*', districtListColumn(db))) as
    UserWithDistrictList | undefined;
  return row ? signedInUserFrom(row) : null;
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

export interface UserListRow extends SignedInUser {
  districtCodes: string[] | 'all';
  lastLoginAt: string | null;
}

/** Every user with the codes of their districts, for the admin pages. */
export async function listUsers(db: Knex): Promise<UserListRow[]> {
  const rows = (await db('users').orderBy('username')) as Array<UserRow & { last_login_at: string | null }>;
  const links = (await db('user_districts')
    .join('districts', 'districts.id', 'user_districts.district_id')
    .select('user_districts.user_id', 'user_districts.district_id', 'districts.code')) as Array<{
    user_id: number;
    district_id: number;
    code: string;
  }>;
  return rows.map((row) => {
    const mine = links.filter((l) => l.user_id === row.id);
    const all = Boolean(row.all_districts);
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      designation: row.designation,
      role: row.role,
      districtIds: all ? ('all' as const) : mine.map((l) => l.district_id),
      districtCodes: all ? ('all' as const) : mine.map((l) => l.code).sort(),
      departmentId: row.department_id,
      phone: row.phone,
      language: row.language === 'en' ? 'en' : 'hi',
      active: Boolean(row.active),
      lastLoginAt: row.last_login_at,
    };
  });
}

export async function usernameTaken(db: Knex, username: string): Promise<boolean> {
  return Boolean(await db('users').where({ username: username.trim().toLowerCase() }).first('id'));
}

export interface UserChanges {
  displayName?: string;
  designation?: string | null;
  role?: Role;
  districtIds?: number[] | 'all';
  departmentId?: number | null;
  phone?: string | null;
  active?: boolean;
}

/** Applies changes to one user and replaces their district list when a new scope is given. */
export async function updateUser(
  trx: Knex.Transaction,
  id: number,
  c: UserChanges,
  now: string,
): Promise<void> {
  const row: Record<string, unknown> = { updated_at: now };
  if (c.displayName !== undefined) row.display_name = c.displayName;
  if (c.designation !== undefined) row.designation = c.designation;
  if (c.role !== undefined) row.role = c.role;
  if (c.departmentId !== undefined) row.department_id = c.departmentId;
  if (c.phone !== undefined) row.phone = c.phone;
  if (c.active !== undefined) row.active = c.active;
  if (c.districtIds !== undefined) {
    row.all_districts = c.districtIds === 'all';
    await trx('user_districts').where({ user_id: id }).del();
    if (c.districtIds !== 'all' && c.districtIds.length > 0) {
      await trx('user_districts').insert(c.districtIds.map((district_id) => ({ user_id: id, district_id })));
    }
  }
  await trx('users').where({ id }).update(row);
}

export async function setPasswordHash(
  trx: Knex.Transaction,
  id: number,
  passwordHash: string,
  now: string,
): Promise<void> {
  await trx('users').where({ id }).update({ password_hash: passwordHash, updated_at: now });
}

/** District ids for codes ('kanpur-nagar'); an unknown code is named so the person can fix it. */
export async function districtIdsForCodes(
  db: Knex,
  codes: string[],
): Promise<{ ids: number[]; unknown: string[] }> {
  const wanted = [...new Set(codes.map((c) => c.trim().toLowerCase()).filter(Boolean))];
  const rows = (await db('districts').whereIn('code', wanted).select('id', 'code')) as Array<{
    id: number;
    code: string;
  }>;
  const found = new Map(rows.map((r) => [r.code, r.id]));
  return {
    ids: wanted.filter((c) => found.has(c)).map((c) => found.get(c)!),
    unknown: wanted.filter((c) => !found.has(c)),
  };
}
