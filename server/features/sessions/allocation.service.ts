// Turns a draw's sample into call tasks: each officer an even, conflict-free share; or the session's shared pool.
import type { Knex } from 'knex';
import type { AppDeps } from '../../deps.js';
import { badRequest, conflict, notFound } from '../../shared/errors.js';
import { nowDb } from '../../shared/dates.js';
import type { SignedInUser } from '../auth/users.repository.js';
import { lockForUpdate } from '../../db/locking.js';
import { allocateCallers } from './sampling/allocate-callers.js';
import type { DrawnComplaint } from './sampling/draw-rule.js';
import {
  insertTasks,
  listSessionCallers,
  type NewTask,
  type SessionCaller,
  type SessionRecord,
} from './sessions.repository.js';

export interface AllocationSummary {
  tasks: number;
  perCaller: Array<{ userId: number | null; tasks: number }>;
}

/**
 * Creates the queued call tasks of a draw inside its transaction. Officers mode: allocateCallers gives each
 * caller ⌊n/C⌋ or ⌈n/C⌉ complaints, none of their own department; pool mode: unassigned, in rank order.
 * Throws (and so rolls the draw back) when no conflict-free allocation exists.
 */
export async function allocateSample(
  trx: Knex.Transaction,
  session: SessionRecord,
  sample: Array<DrawnComplaint & { selectionId: number; complaintId: number }>,
  now: string,
  stratumName: (code: string) => string,
): Promise<AllocationSummary> {
  if (session.mode === 'pool') {
    const tasks: NewTask[] = sample.map((s, i) => ({
      sessionId: session.id,
      selectionId: s.selectionId,
      complaintId: s.complaintId,
      assignedUserId: null,
      priority: i,
    }));
    await insertTasks(trx, tasks, now);
    return { tasks: tasks.length, perCaller: [{ userId: null, tasks: tasks.length }] };
  }
  const callers = await listSessionCallers(trx, session.id);
  if (callers.length === 0) throw badRequest('sessions.error.noCallers');
  const allocation = allocateCallers(
    sample.map((s) => ({ ...s, department: s.stratum })),
    callers.map((c) => ({
      id: String(c.id),
      name: c.displayName,
      conflictedDepartments: c.departmentCode ? [c.departmentCode] : [],
    })),
    { departmentName: stratumName },
  );
  const tasks: NewTask[] = allocation.flatMap((a) =>
    a.tasks.map((s, i) => ({
      sessionId: session.id,
      selectionId: s.selectionId,
      complaintId: s.complaintId,
      assignedUserId: Number(a.callerId),
      priority: i,
    })),
  );
  await insertTasks(trx, tasks, now);
  return {
    tasks: tasks.length,
    perCaller: allocation.map((a) => ({ userId: Number(a.callerId), tasks: a.tasks.length })),
  };
}

/** Callers whose own department covers every department in the frame: they could never be given a complaint. */
export function callersOnlyConflicted(callers: SessionCaller[], frameDepartments: string[]): SessionCaller[] {
  return callers.filter(
    (c) => c.departmentCode !== null && frameDepartments.every((d) => d === c.departmentCode),
  );
}

/** Moves a queued task to another caller of the same session, never to one responsible for its department. */
export async function moveTask(
  deps: AppDeps,
  user: SignedInUser,
  taskId: number,
  toUserId: number,
  canSee: (districtId: number) => boolean,
): Promise<void> {
  await deps.db.transaction(async (trx) => {
    const task = (await lockForUpdate(
      trx,
      trx('call_tasks as t')
        .join('feedback_sessions as s', 's.id', 't.session_id')
        .join('complaints as c', 'c.id', 't.complaint_id')
        .join('departments as d', 'd.id', 'c.department_id')
        .where('t.id', taskId)
        .first('t.id', 't.session_id', 't.status', 't.assigned_user_id', 's.district_id', 's.mode', {
          department_code: 'd.code',
          reference_no: 'c.reference_no',
        }),
    )) as
      | {
          id: number;
          session_id: number;
          status: string;
          assigned_user_id: number | null;
          district_id: number;
          mode: string;
          department_code: string;
          reference_no: string;
        }
      | undefined;
    if (!task || !canSee(task.district_id)) throw notFound();
    if (task.status !== 'queued')
      throw conflict('sessions.error.taskNotQueued', { reference: task.reference_no });
    const callers = await listSessionCallers(trx, task.session_id);
    const target = callers.find((c) => c.id === toUserId);
    if (!target) throw badRequest('sessions.error.notSessionCaller');
    if (target.departmentCode === task.department_code) {
      throw badRequest('sessions.error.moveConflicted', {
        caller: target.displayName,
        reference: task.reference_no,
      });
    }
    if (task.assigned_user_id === toUserId) return;
    await trx('call_tasks')
      .where({ id: taskId })
      .update({ assigned_user_id: toUserId, updated_at: nowDb(deps.clock) });
    await deps.audit.record(trx, {
      userId: user.id,
      action: 'task.moved',
      entity: 'call_task',
      entityId: taskId,
      before: { assignedUserId: task.assigned_user_id },
      after: { assignedUserId: toUserId },
    });
  });
}
