// express-session's store on our own table (web_sessions), so sign-ins survive restarts and span processes.
import session from 'express-session';
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { toDbTime } from '../../shared/dates.js';
import {
  districtListColumn,
  signedInUserFrom,
  type SignedInUser,
  type UserWithDistrictList,
} from './users.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export class KnexSessionStore extends session.Store {
  private sweeper: NodeJS.Timeout;
  private lastTouched = new Map<string, number>();

  constructor(private readonly db: Knex) {
    super();
    // Expired rows are removed now and then; reads ignore them anyway.
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), 15 * 60 * 1000);
    this.sweeper.unref();
  }

  private expiry(sess: session.SessionData): string {
    const expires = sess.cookie?.expires ? new Date(sess.cookie.expires) : new Date(Date.now() + DAY_MS);
    return toDbTime(expires);
  }

  /** Users read with their session in get(), for the request that asked, until takeUser() collects them. */
  private loadedUsers = new Map<string, SignedInUser>();

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    // The session and its signed-in user in one query: every request needs both.
    this.db('web_sessions as ws')
      .leftJoin('users', 'users.id', 'ws.user_id')
      .where('ws.sid', sid)
      .andWhere('ws.expired', '>', toDbTime(DateTime.utc()))
      .first('users.*', districtListColumn(this.db), 'ws.sess', 'ws.user_id as session_user_id')
      .then((row: (UserWithDistrictList & { sess: string; session_user_id: number | null }) | undefined) => {
        if (row?.session_user_id && row.id === row.session_user_id) {
          // Sockets' handshakes read sessions without collecting a user: keep the map from growing unbounded.
          if (this.loadedUsers.size > 10_000) this.loadedUsers.clear();
          this.loadedUsers.set(sid, signedInUserFrom(row));
        }
        cb(null, row ? (JSON.parse(row.sess) as session.SessionData) : null);
      })
      .catch((err: unknown) => cb(err));
  }

  /** The user get() read with this session, if it is the one the session names; each is handed out once. */
  takeUser(sid: string, userId: number): SignedInUser | undefined {
    const user = this.loadedUsers.get(sid);
    this.loadedUsers.delete(sid);
    return user?.id === userId ? user : undefined;
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const row = {
      sid,
      sess: JSON.stringify(sess),
      expired: this.expiry(sess),
      user_id: sess.userId ?? null,
    };
    this.db('web_sessions')
      .insert(row)
      .onConflict('sid')
      .merge(['sess', 'expired', 'user_id'])
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    // express-session touches on every request; moving the expiry once every few minutes is plenty,
    // and spares the hot call endpoints a write per request.
    const last = this.lastTouched.get(sid);
    const nowMs = Date.now();
    if (last !== undefined && nowMs - last < TOUCH_EVERY_MS) return void cb?.();
    this.lastTouched.set(sid, nowMs);
    if (this.lastTouched.size > 50_000) this.lastTouched.clear();
    this.db('web_sessions')
      .where({ sid })
      .update({ expired: this.expiry(sess) })
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.lastTouched.delete(sid);
    this.loadedUsers.delete(sid);
    this.db('web_sessions')
      .where({ sid })
      .del()
      .then(() => cb?.())
      .catch((err: unknown) => cb?.(err));
  }

  async sweep(): Promise<void> {
    await this.db('web_sessions').where('expired', '<=', toDbTime(DateTime.utc())).del();
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** Ends every sign-in of one user (after a password reset). */
export async function destroySessionsOf(db: Knex | Knex.Transaction, userId: number): Promise<number> {
  const id = Math.trunc(userId);
  return db('web_sessions')
    .where((q) =>
      q
        .where('user_id', id)
        // Sessions saved before the user_id column carry the id only inside their JSON.
        .orWhere('sess', 'like', `%"userId":${id},%`)
        .orWhere('sess', 'like', `%"userId":${id}}%`),
    )
    .del();
}
