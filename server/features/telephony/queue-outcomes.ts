// What a call placed by Twilio does to the queue: a keypad answer becomes an outcome, no answer a retry.
//
// The rules are the calls feature's (dispositions, attempts, retry timing); this file applies them inside the
// webhook's own transaction, for outcomes no signed-in caller submits (the IVR, and no answer on a bridge).
// It mirrors OutcomesService.recordOutcome's writes; when calls exposes an in-transaction recorder that takes
// a null user, this file becomes a call to it.
import type { Knex } from 'knex';
import { type Clock, fromDbTime, toDbTime } from '../../shared/dates.js';
import { queueSettings } from '../calls/call-queue.service.js';
import { nextAttemptAt } from '../calls/calling-hours.js';
import { dispositionOf } from '../calls/dispositions.js';
import { raiseFlagForOutcome } from '../review/flags.hook.js';
import { replaceFromReserve } from '../sessions/replacement.js';
import { AuditLog } from '../audit/audit-log.js';

export interface TelephonyDisposition {
  taskId: number;
  attemptId: number;
  sessionId: number;
  complaintId: number;
  /** The caller of a bridge; null for the IVR. */
  userId: number | null;
  /** A code from the calls feature's dispositions. */
  disposition: string;
  verdict: string | null;
  /** Hand the complainant to a person: the task returns to the pool as a call-back due now. */
  needsHumanCall: boolean;
  /** The IVR's keypad answer, kept with the outcome like a human caller's answers. */
  answers?: Record<string, string>;
}

export interface QueueChange {
  outcomeId: number;
  taskStatus: string;
  flagId: number | null;
  disposition: string;
  verdict: string | null;
  userId: number | null;
}

/** Applies an automatic disposition to the attempt, the task and the outcomes, inside trx. */
export async function recordTelephonyDisposition(
  trx: Knex.Transaction,
  clock: Clock,
  input: TelephonyDisposition,
): Promise<QueueChange> {
  const disposition = dispositionOf(input.disposition);
  if (!disposition) throw new Error(`telephony: unknown disposition ${input.disposition}`);
  const now = clock.now();
  const nowText = toDbTime(now);
  const task = (await trx('call_tasks').where({ id: input.taskId }).first('attempts', 'due_at')) as {
    attempts: number;
    due_at: string;
  };
  const settings = await queueSettings(trx);
  const attempts = Number(task.attempts) + 1;

  await trx('call_attempts')
    .where({ id: input.attemptId })
    .update({ disposition: disposition.code, aapor_code: disposition.aapor });

  let status = 'done';
  let dueAt = task.due_at;
  let isCallback = false;
  if (input.needsHumanCall) {
    status = 'queued';
    dueAt = nowText;
    isCallback = true;
  } else if (disposition.effect === 'retry') {
    if (attempts >= settings.maxAttempts) {
      status = 'unreachable';
    } else {
      const tried = (await trx('call_attempts')
        .where({ task_id: input.taskId })
        .whereNotNull('disposition')
        .pluck('started_at')) as string[];
      status = 'queued';
      dueAt = toDbTime(nextAttemptAt(now, [...tried.map((t) => fromDbTime(t)!), now], settings));
    }
  } else if (disposition.effect === 'unreachable') {
    status = 'unreachable';
  }

  await trx('outcomes').where({ task_id: input.taskId, is_current: true }).update({ is_current: false });
  const [id] = await trx('outcomes').insert({
    task_id: input.taskId,
    attempt_id: input.attemptId,
    complaint_id: input.complaintId,
    session_id: input.sessionId,
    user_id: input.userId,
    disposition: disposition.code,
    aapor_code: disposition.aapor,
    verdict: input.verdict,
    answers: JSON.stringify(input.answers ?? {}),
    remarks: null,
    // One outcome per attempt, however often Twilio retries the webhook.
    idempotency_key: `telephony-attempt-${input.attemptId}`,
    is_current: true,
    created_at: nowText,
  });
  const outcomeId = Number(id);

  await trx('call_tasks').where({ id: input.taskId }).update({
    status,
    due_at: dueAt,
    is_callback: isCallback,
    attempts,
    last_disposition: disposition.code,
    lease_user_id: null,
    lease_expires_at: null,
    updated_at: nowText,
  });
  if (disposition.contact) {
    await trx('complaints').where({ id: input.complaintId }).update({ last_verified_at: nowText });
  }
  const flagId = await raiseFlagForOutcome(
    trx,
    {
      id: outcomeId,
      sessionId: input.sessionId,
      complaintId: input.complaintId,
      userId: input.userId,
      verdict: input.verdict,
    },
    clock,
  );
  await new AuditLog(clock).record(trx, {
    userId: input.userId,
    action: 'outcome.recorded',
    entity: 'call_task',
    entityId: input.taskId,
    before: { attempts: Number(task.attempts) },
    after: {
      status,
      attempts,
      outcomeId,
      disposition: disposition.code,
      verdict: input.verdict,
      by: 'telephony',
    },
  });
  // Finally unreachable: the next complaint of the same stratum from the reserve list takes its place.
  if (status === 'unreachable') {
    const replacement = await replaceFromReserve(trx, input.taskId, clock, {
      userId: input.userId,
      reason: disposition.code,
    });
    if (replacement !== null) status = 'replaced';
  }
  return {
    outcomeId,
    taskStatus: status,
    flagId,
    disposition: disposition.code,
    verdict: input.verdict,
    userId: input.userId,
  };
}
