// What a call placed by Twilio does to the queue: a keypad answer becomes an outcome, no answer a retry.
//
// The rules and the writes are the calls feature's (applyOutcome); this file only says what Twilio reported,
// inside the webhook's own transaction, for outcomes no signed-in caller submits (the IVR, and no answer on a
// bridge).
import type { Knex } from 'knex';
import type { Clock } from '../../shared/dates.js';
import { AuditLog } from '../audit/audit-log.js';
import { applyOutcome, type OutcomeToApply } from '../calls/apply-outcome.js';
import { dispositionOf } from '../calls/dispositions.js';

export interface TelephonyDisposition {
  taskId: number;
  attemptId: number;
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
  const task = (await trx('call_tasks')
    .where({ id: input.taskId })
    .first('id', 'session_id', 'complaint_id', 'status', 'attempts', 'due_at')) as OutcomeToApply['task'];
  const applied = await applyOutcome(
    trx,
    { clock, audit: new AuditLog(clock) },
    {
      task,
      attemptId: input.attemptId,
      attemptEnd: null,
      userId: input.userId,
      disposition,
      verdict: input.verdict,
      answers: input.answers ?? {},
      remarks: null,
      // One outcome per attempt, however often Twilio retries the webhook.
      idempotencyKey: `telephony-attempt-${input.attemptId}`,
      // Handed to a person: the task returns to the pool as a call-back due now.
      callbackAt: input.needsHumanCall ? clock.now() : null,
      auditNote: { by: 'telephony' },
    },
  );
  return {
    outcomeId: applied.outcome.id,
    taskStatus: applied.taskStatus,
    flagId: applied.flagId,
    disposition: disposition.code,
    verdict: input.verdict,
    userId: input.userId,
  };
}
