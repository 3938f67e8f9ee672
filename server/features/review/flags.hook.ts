// Raising a flag on a disposal report when a verdict says it did not hold up, inside the outcome's transaction.
import type { Knex } from 'knex';
import { type Clock, nowDb } from '../../shared/dates.js';

export interface RecordedOutcome {
  id: number;
  sessionId: number;
  complaintId: number;
  userId: number | null;
  verdict: string | null;
}

const FLAGGING_VERDICTS: Record<string, string> = {
  unsatisfied: 'unsatisfied',
  not_addressed: 'not_addressed',
};

/**
 * Called by the call queue right after it inserts an outcome, in the same transaction, so a verdict and its
 * flag exist together or not at all. Idempotent per (session, complaint). Returns the flag id, if one was raised.
 */
export async function raiseFlagForOutcome(
  trx: Knex.Transaction,
  outcome: RecordedOutcome,
  clock: Clock,
): Promise<number | null> {
  const reason = outcome.verdict ? FLAGGING_VERDICTS[outcome.verdict] : undefined;
  if (!reason) return null;
  const existing = (await trx('report_flags')
    .where({ session_id: outcome.sessionId, complaint_id: outcome.complaintId })
    .first('id')) as { id: number } | undefined;
  if (existing) return existing.id;
  const now = nowDb(clock);
  const [id] = await trx('report_flags').insert({
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
  return id as number;
}
