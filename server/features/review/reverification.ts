// Queueing a fresh verification call when a rejected complaint comes back from IGRS with a new disposal report.
import type { Knex } from 'knex';
import { type Clock, istDay, nowDb } from '../../shared/dates.js';
import { AuditLog } from '../audit/audit-log.js';

export interface QueuedReverification {
  taskId: number;
  sessionId: number;
  districtId: number;
  created: boolean;
}

/**
 * Called by the import, inside its transaction, for a complaint whose disposal report changed. Does nothing unless
 * a report of this complaint was rejected in some session.
 *
 * Where the task goes: a standing re-verification session of the district (purpose 'reverification', pool mode),
 * not the original session. The original session's report is a record of what was found on that day and must not
 * move when the complaint is called again weeks later; the original may also be closed. The re-verification session
 * takes the original session's callers, so someone can take the call at once; supervisors add more as usual.
 * A complaint already waiting in that queue is not queued twice.
 */
export async function queueReverification(
  trx: Knex.Transaction,
  complaintId: number,
  clock: Clock,
): Promise<QueuedReverification | null> {
  const rejected = (await trx('report_flags as f')
    .join('feedback_sessions as s', 's.id', 'f.session_id')
    .where({ 'f.complaint_id': complaintId, 'f.status': 'rejected' })
    .orderBy('f.id', 'desc')
    .first('f.id as flagId', 'f.session_id as sessionId', 's.district_id as districtId')) as
    { flagId: number; sessionId: number; districtId: number } | undefined;
  if (!rejected) return null;

  const waiting = (await trx('call_tasks as t')
    .join('feedback_sessions as s', 's.id', 't.session_id')
    .where({ 't.complaint_id': complaintId, 's.purpose': 'reverification' })
    .whereIn('t.status', ['queued', 'claimed'])
    .first('t.id', 't.session_id as sessionId')) as { id: number; sessionId: number } | undefined;
  if (waiting)
    return {
      taskId: waiting.id,
      sessionId: waiting.sessionId,
      districtId: rejected.districtId,
      created: false,
    };

  const now = nowDb(clock);
  const sessionId = await reverificationSession(trx, rejected.districtId, clock);
  const callers = (await trx('session_callers')
    .where({ session_id: rejected.sessionId })
    .select('user_id')) as Array<{
    user_id: number;
  }>;
  if (callers.length > 0) {
    await trx('session_callers')
      .insert(callers.map((c) => ({ session_id: sessionId, user_id: c.user_id })))
      .onConflict(['session_id', 'user_id'])
      .ignore();
  }
  const [taskId] = await trx('call_tasks').insert({
    session_id: sessionId,
    complaint_id: complaintId,
    assigned_user_id: null,
    status: 'queued',
    // Ahead of ordinary calls: a re-disposed complaint has already failed once and the portal is waiting on it.
    priority: 10,
    due_at: now,
    is_callback: false,
    attempts: 0,
    created_at: now,
    updated_at: now,
  });
  await new AuditLog(clock).record(trx, {
    userId: null,
    action: 'reverification.queued',
    entity: 'call_task',
    entityId: taskId as number,
    after: { complaintId, sessionId, rejectedFlagId: rejected.flagId, originalSessionId: rejected.sessionId },
  });
  return { taskId: taskId as number, sessionId, districtId: rejected.districtId, created: true };
}

async function reverificationSession(
  trx: Knex.Transaction,
  districtId: number,
  clock: Clock,
): Promise<number> {
  const open = (await trx('feedback_sessions')
    .where({ district_id: districtId, purpose: 'reverification' })
    .whereNot({ status: 'closed' })
    .orderBy('id', 'desc')
    .first('id')) as { id: number } | undefined;
  if (open) return open.id;
  const now = nowDb(clock);
  const [id] = await trx('feedback_sessions').insert({
    title: 'पुनः सत्यापन / Re-verification',
    district_id: districtId,
    session_date: istDay(clock.now()),
    mode: 'pool',
    status: 'active',
    purpose: 'reverification',
    frame_filter: '{}',
    design: '{}',
    record_calls: false,
    created_at: now,
    updated_at: now,
  });
  return id as number;
}
