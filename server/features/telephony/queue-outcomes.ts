// What a call placed by Twilio does to the queue: a keypad answer becomes an outcome, no answer a retry.
//
// Stand-in until the calls feature exposes recordOutcome and its retry rule: this is the ONE place telephony
// changes call_tasks and outcomes, so switching to the calls service is a change to this file only.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { type Clock, nowDb, toDbTime } from '../../shared/dates.js';
import { raiseFlagForOutcome } from '../review/flags.hook.js';

/** The queue's defaults (issue 6): 3 attempts in all, at least 2 hours apart. */
export const retryDefaults = { maxAttempts: 3, hoursApart: 2 };

/** Dispositions after which the complainant is tried again, up to the last attempt. */
const retryableDispositions = new Set(['no_answer', 'busy', 'not_reachable']);
/** Dispositions that end the task at once as unreachable. */
const endingDispositions = new Set(['not_in_service']);

export interface TelephonyDisposition {
  taskId: number;
  attemptId: number;
  sessionId: number;
  complaintId: number;
  /** The caller of a bridge; null for the IVR. */
  userId: number | null;
  disposition: string;
  aaporCode: string;
  verdict: string | null;
  /** Hand the complainant to a person: the task returns to the pool as a call-back due now. */
  needsHumanCall: boolean;
  /** The IVR's keypad answer, kept with the outcome like a human caller's answers. */
  answers?: Record<string, string>;
}

export interface QueueChange {
  outcomeId: number | null;
  taskStatus: string;
  flagId: number | null;
}

/** Applies an automatic disposition to the attempt, the task and (with a verdict) the outcomes, inside trx. */
export async function recordTelephonyDisposition(
  trx: Knex.Transaction,
  clock: Clock,
  input: TelephonyDisposition,
): Promise<QueueChange> {
  const now = clock.now();
  await trx('call_attempts')
    .where({ id: input.attemptId })
    .update({ disposition: input.disposition, aapor_code: input.aaporCode });

  const task = (await trx('call_tasks').where({ id: input.taskId }).first('attempts')) as
    { attempts: number } | undefined;
  if (!task) return { outcomeId: null, taskStatus: 'missing', flagId: null };
  const attempts = Number(task.attempts) + 1;
  const released = {
    attempts,
    last_disposition: input.disposition,
    lease_user_id: null,
    lease_expires_at: null,
    updated_at: toDbTime(now),
  };

  let taskStatus: string;
  let outcomeId: number | null = null;
  let flagId: number | null = null;
  if (input.verdict) {
    taskStatus = 'done';
    const [id] = await trx('outcomes').insert({
      task_id: input.taskId,
      attempt_id: input.attemptId,
      complaint_id: input.complaintId,
      session_id: input.sessionId,
      user_id: input.userId,
      verdict: input.verdict,
      answers: JSON.stringify(input.answers ?? {}),
      remarks: null,
      // One outcome per attempt, however often Twilio retries the webhook.
      idempotency_key: `telephony-attempt-${input.attemptId}`,
      is_current: true,
      created_at: nowDb(clock),
    });
    outcomeId = Number(id);
    flagId = await raiseFlagForOutcome(
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
    await trx('call_tasks')
      .where({ id: input.taskId })
      .update({ ...released, status: taskStatus });
  } else if (input.needsHumanCall) {
    taskStatus = 'queued';
    await trx('call_tasks')
      .where({ id: input.taskId })
      .update({ ...released, status: taskStatus, is_callback: true, due_at: toDbTime(now) });
  } else if (endingDispositions.has(input.disposition)) {
    taskStatus = 'unreachable';
    await trx('call_tasks')
      .where({ id: input.taskId })
      .update({ ...released, status: taskStatus });
  } else if (retryableDispositions.has(input.disposition)) {
    const last = attempts >= retryDefaults.maxAttempts;
    taskStatus = last ? 'unreachable' : 'queued';
    await trx('call_tasks')
      .where({ id: input.taskId })
      .update({
        ...released,
        status: taskStatus,
        due_at: toDbTime(last ? now : nextTryAfter(now)),
      });
  } else {
    taskStatus = 'queued';
    await trx('call_tasks')
      .where({ id: input.taskId })
      .update({ ...released, status: taskStatus });
  }
  return { outcomeId, taskStatus, flagId };
}

function nextTryAfter(now: DateTime): DateTime {
  return now.plus({ hours: retryDefaults.hoursApart });
}
