// Signing in and managing users; every user change is audited in the same transaction, never with the password hash.
import type { Knex } from 'knex';
import { ROLES, type Role } from '../../shared/http.js';
import { type Clock, nowDb } from '../../shared/dates.js';
import { AppError } from '../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { hashPassword, PASSWORD_MIN_LENGTH, verifyPassword } from './passwords.js';
import { destroySessionsOf } from './session-store.js';
import {
  findUserById,
  findUserForSignIn,
  insertUser,
  setPasswordHash,
  updateUser,
  usernameTaken,
  type NewUser,
  type SignedInUser,
  type UserChanges,
} from './users.repository.js';
import type { Lang } from '../../shared/i18n.js';

export type SignInResult = { ok: true; user: SignedInUser } | { ok: false; reason: 'invalid' | 'inactive' };

// Verifying against a fixed hash when the user does not exist keeps the timing the same either way.
let dummyHash: Promise<string> | null = null;

/** What the audit log keeps of a user: everything an admin can change, never the password hash. */
function snapshot(u: SignedInUser) {
  return {
    username: u.username,
    displayName: u.displayName,
    designation: u.designation,
    role: u.role,
    districtIds: u.districtIds === 'all' ? 'all' : [...u.districtIds].sort((a, b) => a - b),
    departmentId: u.departmentId,
    phone: u.phone,
    active: u.active,
  };
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Refuses a password that is too short; admins and the CLI both go through it. */
export function checkNewPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH)
    throw new AppError(400, 'users.error.passwordShort', { min: PASSWORD_MIN_LENGTH });
}

export class AuthService {
  constructor(
    private readonly db: Knex,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async signIn(username: string, password: string): Promise<SignInResult> {
    const found = await findUserForSignIn(this.db, username);
    if (!found) {
      dummyHash ??= hashPassword('not-a-user-password');
      await verifyPassword(await dummyHash, password);
      return { ok: false, reason: 'invalid' };
    }
    if (!(await verifyPassword(found.passwordHash, password))) return { ok: false, reason: 'invalid' };
    if (!found.user.active) return { ok: false, reason: 'inactive' };
    await this.db('users')
      .where({ id: found.user.id })
      .update({ last_login_at: nowDb(this.clock) });
    return { ok: true, user: found.user };
  }

  async createUser(
    actorId: number | null,
    input: Omit<NewUser, 'passwordHash'> & { password: string; role: Role; language?: Lang },
  ): Promise<number> {
    if (!isRole(input.role)) throw new AppError(400, 'users.error.unknownRole', { role: String(input.role) });
    if (await usernameTaken(this.db, input.username))
      throw new AppError(409, 'users.error.duplicate', { username: input.username.trim().toLowerCase() });
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction(async (trx) => {
      const now = nowDb(this.clock);
      const id = await insertUser(trx, { ...input, passwordHash }, now);
      const created = await findUserById(trx, id);
      await this.audit.record(trx, {
        userId: actorId,
        action: 'user.created',
        entity: 'user',
        entityId: id,
        after: snapshot(created!),
      });
      return id;
    });
  }

  /** Changes role, scope, active and details; an admin cannot demote or deactivate themself (no lock-out). */
  async changeUser(actorId: number, id: number, changes: UserChanges): Promise<void> {
    if (changes.role !== undefined && !isRole(changes.role))
      throw new AppError(400, 'users.error.unknownRole', { role: String(changes.role) });
    await this.db.transaction(async (trx) => {
      const before = await findUserById(trx, id);
      if (!before) throw new AppError(404, 'error.notFound');
      if (
        actorId === id &&
        ((changes.role !== undefined && changes.role !== before.role) || changes.active === false)
      )
        throw new AppError(400, 'users.error.self');
      await updateUser(trx, id, changes, nowDb(this.clock));
      const after = await findUserById(trx, id);
      const b = snapshot(before);
      const a = snapshot(after!);
      if (JSON.stringify(a) === JSON.stringify(b)) return;
      await this.audit.record(trx, {
        userId: actorId,
        action: 'user.changed',
        entity: 'user',
        entityId: id,
        before: b,
        after: a,
      });
    });
  }

  /** Sets a new password chosen by an admin and signs the user out everywhere; the log says that it changed, not what to. */
  async resetPassword(actorId: number | null, id: number, password: string): Promise<void> {
    checkNewPassword(password);
    const passwordHash = await hashPassword(password);
    await this.db.transaction(async (trx) => {
      const user = await findUserById(trx, id);
      if (!user) throw new AppError(404, 'error.notFound');
      await setPasswordHash(trx, id, passwordHash, nowDb(this.clock));
      await destroySessionsOf(trx, id);
      await this.audit.record(trx, {
        userId: actorId,
        action: 'user.changed',
        entity: 'user',
        entityId: id,
        before: { password: 'old' },
        after: { password: 'reset' },
      });
    });
  }
}
