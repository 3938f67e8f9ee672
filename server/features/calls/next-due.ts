// What a caller with nothing to call now waits for: the next call-back or retry in their queue, for the empty console.
import type { Knex } from 'knex';
import { type Clock, toDbTime } from '../../shared/dates.js';

export interface NextDueCall {
  /** When it falls due (UTC, as stored). */
  dueAt: string;
  /** A call-back the complainant asked for, or else a retry after an unanswered call. */
  isCallback: boolean;
}

/**
 * The earliest queued task not yet due among the calls this caller could take: their own, and the pool of the open
 * sessions they call for (the same reach as "my calls").
 */
export async function nextDueCall(db: Knex, userId: number, clock: Clock): Promise<NextDueCall | null> {
  const row = (await db('call_tasks as t')
    .join('feedback_sessions as s', 's.id', 't.session_id')
    .where('t.status', 'queued')
    .where('t.due_at', '>', toDbTime(clock.now()))
    .whereNot('s.status', 'closed')
    .where((q) =>
      q
        .where('t.assigned_user_id', userId)
        .orWhere((p) =>
          p
            .whereNull('t.assigned_user_id')
            .whereIn('t.session_id', db('session_callers').select('session_id').where({ user_id: userId })),
        ),
    )
    .orderBy('t.due_at')
    .first('t.due_at', 't.is_callback')) as { due_at: string; is_callback: number | boolean } | undefined;
  return row ? { dueAt: row.due_at, isCallback: Boolean(row.is_callback) } : null;
}
