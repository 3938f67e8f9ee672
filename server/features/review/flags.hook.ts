// Raising a flag on a disposal report when a verdict says it did not hold up, inside the outcome's transaction.
import type { Knex } from 'knex';
import { type Clock, nowDb } from '../../shared/dates.js';
import type { EventBus } from '../../shared/events.js';
import { AuditLog } from '../audit/audit-log.js';

export interface RecordedOutcome {
  id: number;
  sessionId: number;
  complaintId: number;
  userId: number | null;
  verdict: string | null;
  /** The session's district, when the caller has it at hand (spares a query). */
  districtId?: number;
}

const FLAGGING_VERDICTS: Record<string, string> = {
  unsatisfied: 'unsatisfied',
  not_addressed: 'not_addressed',
};

/**
 * Called by the call queue right after it inserts an outcome, in the same transaction, so a verdict and its
 * flag exist together or not at all. Idempotent per (session, complaint). Returns the flag id, if one was raised.
 * Given the event bus, 'flag:raised' is emitted once the caller's transaction commits (never for a rollback).
 */
export async function raiseFlagForOutcome(
  trx: Knex.Transaction,
  outcome: RecordedOutcome,
  clock: Clock,
  events?: EventBus,
): Promise<number | null> {
  const reason = outcome.verdict ? FLAGGING_VERDICTS[outcome.verdict] : undefined;
  if (!reason) return null;
  const existing = (await trx('report_flags')
    .where({ session_id: outcome.sessionId, complaint_id: outcome.complaintId })
    .first('id')) as { id: number } | undefined;
  if (existing) return existing.id;
  const now = nowDb(clock);
  const [inserted] = await trx('report_flags').insert({
    complaint_id: outcome.complaintId,
    session_id: outcome.sessionId,
    outcome_id: outcome.id,
    reason,
    raised_by: outcome.userId,
    status: 'open',
    reason_codes: '[]',
    created_at: now,
    updated_at: now,
  });
  const id = inserted as number;
  await new AuditLog(clock).record(trx, {
    userId: outcome.userId,
    action: 'flag.raised',
    entity: 'report_flag',
    entityId: id,
    after: { complaintId: outcome.complaintId, sessionId: outcome.sessionId, outcomeId: outcome.id, reason },
  });
  if (events) {
    const districtId =
      outcome.districtId ??
      (
        (await trx('feedback_sessions').where({ id: outcome.sessionId }).first('district_id')) as {
          district_id: number;
        }
      ).district_id;
    const payload = {
      flagId: id,
      sessionId: outcome.sessionId,
      districtId,
      complaintId: outcome.complaintId,
      reason,
    };
    trx.executionPromise.then(
      () => events.emit('flag:raised', payload),
      () => undefined,
    );
  }
  return id;
}
