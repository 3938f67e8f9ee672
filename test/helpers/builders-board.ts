// Builders for the board's test data: a session with callers, its tasks, and outcomes as the call queue writes them.
import type { Knex } from 'knex';
import { nowDb } from '../../server/shared/dates.js';
import { aComplaint, districtId, TASK_DUE_LONG_AGO } from './builders.js';

export async function aBoardSession(
  db: Knex,
  spec: { district?: string; callers?: number[]; title?: string; status?: string } = {},
): Promise<{ id: number; districtId: number }> {
  const now = nowDb();
  const district = await districtId(db, spec.district ?? 'kanpur-nagar');
  const [id] = await db('feedback_sessions').insert({
    title: spec.title ?? 'प्रथम सप्ताह सत्यापन',
    district_id: district,
    session_date: '2026-11-22',
    mode: 'officers',
    per_caller: 5,
    frame_filter: '{}',
    design: '{}',
    status: spec.status ?? 'active',
    created_at: now,
    updated_at: now,
  });
  for (const userId of spec.callers ?? [])
    await db('session_callers').insert({ session_id: id, user_id: userId });
  return { id: id as number, districtId: district };
}

export async function aBoardTask(
  db: Knex,
  spec: {
    sessionId: number;
    district?: string;
    department?: string;
    assignedUserId?: number | null;
    status?: string;
  },
): Promise<{ id: number; complaintId: number; referenceNo: string }> {
  const now = nowDb();
  const complaint = await aComplaint(db, { district: spec.district, department: spec.department });
  const [id] = await db('call_tasks').insert({
    session_id: spec.sessionId,
    complaint_id: complaint.id,
    assigned_user_id: spec.assignedUserId ?? null,
    status: spec.status ?? 'queued',
    due_at: TASK_DUE_LONG_AGO,
    created_at: now,
    updated_at: now,
  });
  return { id: id as number, complaintId: complaint.id, referenceNo: complaint.referenceNo };
}

let keys = 0;

/** An outcome row and the task marked done, the way the call queue leaves them. */
export async function anOutcome(
  db: Knex,
  spec: { taskId: number; userId: number | null; verdict: string | null },
): Promise<number> {
  const task = (await db('call_tasks').where({ id: spec.taskId }).first()) as {
    session_id: number;
    complaint_id: number;
  };
  const now = nowDb();
  const [id] = await db('outcomes').insert({
    task_id: spec.taskId,
    complaint_id: task.complaint_id,
    session_id: task.session_id,
    user_id: spec.userId,
    verdict: spec.verdict,
    answers: '{}',
    idempotency_key: `board-test-${Date.now()}-${++keys}`,
    is_current: true,
    created_at: now,
  });
  await db('call_tasks').where({ id: spec.taskId }).update({ status: 'done', attempts: 1, updated_at: now });
  return id as number;
}
