// Who may watch which board: the roles, and the room a requested scope names once the user's districts allow it.
import type { Knex } from 'knex';
import type { Role } from '../../shared/http.js';
import { canSeeDistrict, type SignedInUser } from '../auth/users.repository.js';
import { roomOf, type BoardRoom } from './board.events.js';

/** Callers work the queue; they never watch a supervisor's board. */
export const BOARD_ROLES: readonly Role[] = ['admin', 'supervisor', 'session_officer', 'viewer'];

/** A refused board request: the status an HTTP answer would carry and the message key. */
export class BoardRefusal extends Error {
  constructor(
    readonly status: 403 | 404,
    readonly key: string,
  ) {
    super(key);
  }
}

const positiveId = (v: unknown): number | null => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : null;
};

/** The room for {sessionId} | {districtId} | {} (the whole state), if this user may watch it. */
export async function authoriseRoom(db: Knex, user: SignedInUser, scope: unknown): Promise<BoardRoom> {
  if (!BOARD_ROLES.includes(user.role)) throw new BoardRefusal(403, 'board.error.forbidden');
  const s = (scope ?? {}) as Record<string, unknown>;
  if (s.sessionId !== undefined && s.sessionId !== '') {
    const sessionId = positiveId(s.sessionId);
    const row = sessionId
      ? ((await db('feedback_sessions').where({ id: sessionId }).first('district_id')) as
          { district_id: number } | undefined)
      : undefined;
    if (!row) throw new BoardRefusal(404, 'board.error.noSuchSession');
    if (!canSeeDistrict(user, Number(row.district_id))) throw new BoardRefusal(403, 'board.error.outOfScope');
    return roomOf({ sessionId: sessionId! });
  }
  if (s.districtId !== undefined && s.districtId !== '') {
    const districtId = positiveId(s.districtId);
    if (!districtId) throw new BoardRefusal(404, 'board.error.noSuchDistrict');
    if (!canSeeDistrict(user, districtId)) throw new BoardRefusal(403, 'board.error.outOfScope');
    return roomOf({ districtId });
  }
  if (user.districtIds !== 'all') throw new BoardRefusal(403, 'board.error.outOfScope');
  return 'state';
}
