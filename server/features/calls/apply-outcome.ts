// What an outcome does to the queue, inside the recording transaction: the attempt, the outcome row, the task's
// next state (done, a retry, a call-back, unreachable and replaced), the complaint, a flag and the audit entry.
// One recorder for every source of outcomes: a caller at the console and Twilio (the IVR, a bridge not answered).
import type { Knex } from 'knex';
import type { DateTime } from 'luxon';
import { type Clock, fromDbTime, toDbTime } from '../../shared/dates.js';
import { engineOf } from '../../db/knex.js';
import type { EventBus } from '../../shared/events.js';
import type { AuditLog } from '../audit/audit-log.js';
import { raiseFlagForOutcome } from '../review/flags.hook.js';
import { replaceFromReserve } from '../sessions/replacement.js';
import { queueSettings } from './call-queue.service.js';
import { nextAttemptAt } from './calling-hours.js';
import type { Disposition } from './dispositions.js';

export interface OutcomeRow {
  id: number;
  task_id: number;
  attempt_id: number | null;
  complaint_id: number;
  session_id: number;
  user_id: number | null;
  disposition: string;
  aapor_code: string | null;
  verdict: string | null;
  answers: string;
  remarks: string | null;
  idempotency_key: string;
  corrects_outcome_id: number | null;
  correction_reason: string | null;
  is_current: number | boolean;
  created_at: string;
}

export interface OutcomeToApply {
  /** The task, locked by the caller of applyOutcome. */
  task: {
    id: number;
    session_id: number;
    complaint_id: number;
    status: string;
    attempts: number;
    due_at: string;
  };
  attemptId: number | null;
  /** A console call ends with its outcome: when, how long it lasted, the script read. Twilio ends its own. */
  attemptEnd: { endedAt: string; durationSeconds: number | null; scriptId: number | null } | null;
  /** Who recorded it; null for the IVR. */
  userId: number | null;
  disposition: Disposition;
  verdict: string | null;
  answers: Record<string, unknown>;
  remarks: string | null;
  idempotencyKey: string;
  /** Due again as a call-back at this time: when the complainant asked, or now for a person after the IVR. */
  callbackAt: DateTime | null;
  /** The task's current outcome, when the caller read it already; looked up otherwise. */
  currentOutcomeId?: number | null;
  /** The session's district, when at hand. */
  districtId?: number;
  /** Added to the audit entry's after-state, e.g. who recorded it when no person did. */
  auditNote?: Record<string, unknown>;
}

export interface AppliedOutcome {
  outcome: OutcomeRow;
  /** done, queued (a retry or a call-back), unreachable, or replaced (from the reserve list). */
  taskStatus: string;
  replacementTaskId: number | null;
  flagId: number | null;
}

/** The next state of a task after an attempt with this disposition, by the queue's retry rules. */
async function nextState(
  trx: Knex.Transaction,
  clock: Clock,
  o: OutcomeToApply,
): Promise<{ status: string; dueAt: string; isCallback: boolean; attempts: number }> {
  const now = clock.now();
  const attempts = Number(o.task.attempts) + 1;
  if (o.callbackAt) return { status: 'queued', dueAt: toDbTime(o.callbackAt), isCallback: true, attempts };
  if (o.disposition.effect === 'unreachable') {
    return { status: 'unreachable', dueAt: o.task.due_at, isCallback: false, attempts };
  }
  if (o.disposition.effect !== 'retry')
    return { status: 'done', dueAt: o.task.due_at, isCallback: false, attempts };
  const settings = await queueSettings(trx);
  if (attempts >= settings.maxAttempts) {
    return { status: 'unreachable', dueAt: o.task.due_at, isCallback: false, attempts };
  }
  const tried = (await trx('call_attempts')
    .where({ task_id: o.task.id })
    .whereNotNull('disposition')
    .pluck('started_at')) as string[];
  const triedAt = [...tried.map((t) => fromDbTime(t)!), now];
  return {
    status: 'queued',
    dueAt: toDbTime(nextAttemptAt(now, triedAt, settings)),
    isCallback: false,
    attempts,
  };
}

interface AfterCall {
  taskId: number;
  task: Record<string, unknown>;
  attemptId: number | null;
  attempt: Record<string, unknown>;
  complaintId: number;
  complaint: Record<string, unknown> | null;
}

/**
 * The task, its attempt and the complaint after a call. On MySQL/MariaDB one multi-table UPDATE (a round trip instead
 * of three, inside a transaction that holds the task's lock already); SQLite runs in the process, where three
 * statements cost nothing to reach, and has no multi-table UPDATE.
 */
async function updateAfterCall(trx: Knex.Transaction, c: AfterCall): Promise<void> {
  if (engineOf(trx) === 'mysql') {
    const prefixed = (alias: string, change: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(change).map(([k, v]) => [`${alias}.${k}`, v]));
    let update = trx('call_tasks as t').where('t.id', c.taskId);
    if (c.attemptId) update = update.join('call_attempts as a', 'a.id', trx.raw('?', [c.attemptId]));
    if (c.complaint) update = update.join('complaints as c', 'c.id', 't.complaint_id');
    const changed = await update.update({
      ...prefixed('t', c.task),
      ...(c.attemptId && prefixed('a', c.attempt)),
      ...(c.complaint && prefixed('c', c.complaint)),
    });
    // The joins match one row each or nothing at all: a missing attempt must not leave the task unchanged quietly.
    if (!changed)
      throw new Error(`task ${c.taskId} not updated: its attempt ${c.attemptId} or complaint is missing`);
    return;
  }
  if (c.attemptId) await trx('call_attempts').where({ id: c.attemptId }).update(c.attempt);
  await trx('call_tasks').where({ id: c.taskId }).update(c.task);
  if (c.complaint) await trx('complaints').where({ id: c.complaintId }).update(c.complaint);
}

export async function applyOutcome(
  trx: Knex.Transaction,
  deps: { clock: Clock; audit: AuditLog; events?: EventBus },
  o: OutcomeToApply,
): Promise<AppliedOutcome> {
  const nowText = toDbTime(deps.clock.now());
  const { disposition, task } = o;
  const next = await nextState(trx, deps.clock, o);

  // Found first, then updated by id: an UPDATE by task_id would scan the task's outcomes under locks.
  const current =
    o.currentOutcomeId !== undefined
      ? o.currentOutcomeId
      : ((
          (await trx('outcomes').where({ task_id: task.id, is_current: true }).max({ id: 'id' }).first()) as
            { id: number | null } | undefined
        )?.id ?? null);
  if (current) await trx('outcomes').where({ id: current }).update({ is_current: false });
  const row = {
    task_id: task.id,
    attempt_id: o.attemptId,
    complaint_id: task.complaint_id,
    session_id: task.session_id,
    user_id: o.userId,
    disposition: disposition.code,
    aapor_code: disposition.aapor,
    verdict: o.verdict,
    answers: JSON.stringify(o.answers),
    remarks: o.remarks,
    idempotency_key: o.idempotencyKey,
    corrects_outcome_id: null,
    correction_reason: null,
    is_current: true,
    created_at: nowText,
  };
  const [id] = await trx('outcomes').insert(row);
  const outcome = { ...row, id: Number(id) } as OutcomeRow;

  await updateAfterCall(trx, {
    taskId: task.id,
    task: {
      status: next.status,
      due_at: next.dueAt,
      is_callback: next.isCallback,
      attempts: next.attempts,
      last_disposition: disposition.code,
      lease_user_id: null,
      lease_expires_at: null,
      updated_at: nowText,
    },
    attemptId: o.attemptId,
    attempt: {
      disposition: disposition.code,
      aapor_code: disposition.aapor,
      ...(o.attemptEnd && {
        ended_at: o.attemptEnd.endedAt,
        duration_seconds: o.attemptEnd.durationSeconds,
        script_id: o.attemptEnd.scriptId,
      }),
    },
    complaintId: task.complaint_id,
    // A complainant reached counts as verified now (the frame leaves them out for a while).
    complaint: disposition.contact ? { last_verified_at: nowText } : null,
  });
  const flagId = await raiseFlagForOutcome(
    trx,
    {
      id: outcome.id,
      sessionId: task.session_id,
      complaintId: task.complaint_id,
      userId: o.userId,
      verdict: o.verdict,
      districtId: o.districtId,
    },
    deps.clock,
    deps.events,
  );
  await deps.audit.record(trx, {
    userId: o.userId,
    action: 'outcome.recorded',
    entity: 'call_task',
    entityId: task.id,
    before: { status: task.status, attempts: Number(task.attempts) },
    after: {
      status: next.status,
      attempts: next.attempts,
      outcomeId: outcome.id,
      disposition: disposition.code,
      verdict: o.verdict,
      ...o.auditNote,
    },
  });
  // Finally unreachable: the next complaint of the same stratum from the reserve list takes its place.
  let taskStatus = next.status;
  let replacementTaskId: number | null = null;
  if (next.status === 'unreachable') {
    replacementTaskId = await replaceFromReserve(trx, task.id, deps.clock, {
      userId: o.userId,
      reason: disposition.code,
    });
    if (replacementTaskId !== null) taskStatus = 'replaced';
  }
  return { outcome, taskStatus, replacementTaskId, flagId };
}
