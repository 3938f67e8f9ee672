// Replacing an unreachable complainant with the next unused reserve of the same pool, strictly in rank order.
import type { Knex } from 'knex';
import { lockForUpdate } from '../../db/locking.js';
import { type Clock, nowDb } from '../../shared/dates.js';
import { AuditLog } from '../audit/audit-log.js';

/**
 * Called by the calls feature inside its transaction when a task ends unreachable. Marks the task 'replaced',
 * takes the lowest-ranked unused reserve of the same pool of the same draw (docs/sampling-rule.md §7: none is
 * skipped), marks it used and queues a new task for the same caller (or the pool). Returns the new task's id,
 * or null when the pool's reserves are used up; then nothing is changed and the task keeps its status.
 */
export async function replaceFromReserve(
  trx: Knex.Transaction,
  taskId: number,
  clock: Clock,
  by: { userId: number | null; reason?: string } = { userId: null },
): Promise<number | null> {
  const task = (await lockForUpdate(trx, trx('call_tasks').where({ id: taskId }).first())) as
    | {
        id: number;
        session_id: number;
        selection_id: number | null;
        assigned_user_id: number | null;
        priority: number;
        status: string;
      }
    | undefined;
  if (!task || task.selection_id === null) return null;
  const selection = (await trx('sample_selections').where({ id: task.selection_id }).first()) as
    { id: number; draw_id: number; stratum: string; reference_no: string } | undefined;
  if (!selection) return null;
  const reserve = (await lockForUpdate(
    trx,
    trx('sample_selections')
      .where({ draw_id: selection.draw_id, stratum: selection.stratum, is_reserve: true })
      .whereNull('used_at')
      .orderBy('rank_in_stratum')
      .first(),
  )) as { id: number; complaint_id: number; reference_no: string; rank_in_stratum: number } | undefined;
  if (!reserve) return null;

  const now = nowDb(clock);
  await trx('call_tasks').where({ id: task.id }).update({ status: 'replaced', updated_at: now });
  await trx('sample_selections')
    .where({ id: reserve.id })
    .update({ used_at: now, replaces_selection_id: selection.id });
  const [newTaskId] = await trx('call_tasks').insert({
    session_id: task.session_id,
    selection_id: reserve.id,
    complaint_id: reserve.complaint_id,
    assigned_user_id: task.assigned_user_id,
    status: 'queued',
    priority: task.priority,
    due_at: now,
    is_callback: false,
    attempts: 0,
    created_at: now,
    updated_at: now,
  });
  await new AuditLog(clock).record(trx, {
    userId: by.userId,
    action: 'selection.replaced',
    entity: 'call_task',
    entityId: task.id,
    before: { taskId: task.id, reference: selection.reference_no, pool: selection.stratum },
    after: {
      taskId: newTaskId,
      reference: reserve.reference_no,
      reserveRank: reserve.rank_in_stratum,
      reason: by.reason ?? 'unreachable',
    },
  });
  return newTaskId as number;
}
