// Builders for the call queue's test data: a session with its callers, and queued call tasks.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { nowDb, toDbTime } from '../../server/shared/dates.js';
import { aComplaint, districtId, TASK_DUE_LONG_AGO } from './builders.js';

export async function aSession(
  db: Knex,
  spec: { district?: string; mode?: 'officers' | 'pool'; callers?: number[]; status?: string } = {},
): Promise<number> {
  const now = nowDb();
  const [id] = await db('feedback_sessions').insert({
    title: 'पाक्षिक सत्यापन',
    district_id: await districtId(db, spec.district ?? 'kanpur-nagar'),
    session_date: '2026-11-22',
    mode: spec.mode ?? 'pool',
    status: spec.status ?? 'active',
    frame_filter: '{}',
    design: '{}',
    created_at: now,
    updated_at: now,
  });
  for (const userId of spec.callers ?? [])
    await db('session_callers').insert({ session_id: id, user_id: userId });
  return id as number;
}

export interface TaskSpec {
  sessionId: number;
  complaintId?: number;
  assignedUserId?: number | null;
  dueAt?: DateTime;
  priority?: number;
  isCallback?: boolean;
  status?: string;
}

export async function aTask(db: Knex, spec: TaskSpec): Promise<number> {
  const now = nowDb();
  const complaintId = spec.complaintId ?? (await aComplaint(db)).id;
  const [id] = await db('call_tasks').insert({
    session_id: spec.sessionId,
    complaint_id: complaintId,
    assigned_user_id: spec.assignedUserId ?? null,
    status: spec.status ?? 'queued',
    priority: spec.priority ?? 0,
    due_at: spec.dueAt ? toDbTime(spec.dueAt) : TASK_DUE_LONG_AGO,
    is_callback: spec.isCallback ?? false,
    attempts: 0,
    created_at: now,
    updated_at: now,
  });
  return id as number;
}

/** Many pool tasks at once, each with its own complaint, in a few inserts. */
export async function manyTasks(db: Knex, sessionId: number, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(await aTask(db, { sessionId }));
  return ids;
}
