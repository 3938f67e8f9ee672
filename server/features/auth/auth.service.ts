// Signing in and creating users; every user change is audited.
import type { Knex } from 'knex';
import type { Role } from '../../shared/http.js';
import { type Clock, nowDb } from '../../shared/dates.js';
import type { AuditLog } from '../audit/audit-log.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { findUserForSignIn, insertUser, type NewUser, type SignedInUser } from './users.repository.js';
import type { Lang } from '../../shared/i18n.js';

export type SignInResult = { ok: true; user: SignedInUser } | { ok: false; reason: 'invalid' | 'inactive' };

// Verifying against a fixed hash when the user does not exist keeps the timing the same either way.
let dummyHash: Promise<string> | null = null;

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
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction(async (trx) => {
      const now = nowDb(this.clock);
      const id = await insertUser(trx, { ...input, passwordHash }, now);
      await this.audit.record(trx, {
        userId: actorId,
        action: 'user.created',
        entity: 'user',
        entityId: id,
        after: { username: input.username, role: input.role, districtIds: input.districtIds },
      });
      return id;
    });
  }
}
