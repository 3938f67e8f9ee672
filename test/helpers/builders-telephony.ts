// Builders for telephony tests: a session with one call task, held by a caller or waiting in the pool.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { toDbTime } from '../../server/shared/dates.js';
import { aComplaint, districtId, TASK_DUE_LONG_AGO } from './builders.js';

export interface CallTaskSpec {
  /** The caller holding the task under a live lease, with the attempt the claim opened, as claimNextTask leaves it. */
  heldBy?: number;
  /** Queued for this caller (officers mode), for a test that claims it through the queue. */
  queuedFor?: number;
  recordCalls?: boolean;
  mobile?: string;
  now?: DateTime;
}

export async function aCallTask(
  db: Knex,
  spec: CallTaskSpec = {},
): Promise<{ taskId: number; sessionId: number; complaintId: number; referenceNo: string; mobile: string }> {
  const now = spec.now ?? DateTime.utc();
  const at = toDbTime(now);
  const mobile = spec.mobile ?? '+919812345678';
  const complaint = await aComplaint(db, { mobile, department: 'revenue' });
  const [sessionId] = await db('feedback_sessions').insert({
    title: 'फीडबैक सत्र',
    district_id: await districtId(db),
    session_date: now.toISODate(),
    mode: spec.heldBy || spec.queuedFor ? 'officers' : 'pool',
    status: 'active',
    record_calls: spec.recordCalls ?? false,
    frame_filter: '{}',
    design: '{}',
    created_at: at,
    updated_at: at,
  });
  const [taskId] = await db('call_tasks').insert({
    session_id: sessionId,
    complaint_id: complaint.id,
    assigned_user_id: spec.heldBy ?? spec.queuedFor ?? null,
    status: spec.heldBy ? 'claimed' : 'queued',
    due_at: toDbTime(now.minus({ minutes: 1 })),
    lease_user_id: spec.heldBy ?? null,
    lease_expires_at: spec.heldBy ? toDbTime(now.plus({ minutes: 15 })) : null,
    created_at: at,
    updated_at: at,
  });
  if (spec.heldBy) {
    const [attemptId] = await db('call_attempts').insert({
      task_id: taskId,
      user_id: spec.heldBy,
      channel: 'manual',
      started_at: at,
    });
    await db('call_tasks').where({ id: taskId }).update({ current_attempt_id: attemptId });
  }
  return {
    taskId: Number(taskId),
    sessionId: Number(sessionId),
    complaintId: complaint.id,
    referenceNo: complaint.referenceNo,
    mobile,
  };
}

/**
 * A planned pool session with one queued task per mobile, all due: what an IVR run calls. The session keeps the frame
 * and design a planned one does, so its page can show it.
 */
export async function anIvrSession(
  db: Knex,
  spec: { mobiles: string[]; title?: string; district?: string },
): Promise<{ sessionId: number; taskIds: number[] }> {
  const at = toDbTime(DateTime.utc());
  const district = await districtId(db, spec.district ?? 'kanpur-nagar');
  const [sessionId] = await db('feedback_sessions').insert({
    title: spec.title ?? 'आईवीआर सत्र',
    district_id: district,
    session_date: '2026-11-23',
    mode: 'pool',
    status: 'active',
    frame_filter: JSON.stringify({
      districtId: district,
      disposedFrom: '2026-11-01',
      disposedTo: '2026-11-20',
    }),
    design: JSON.stringify({ kind: 'simple' }),
    created_at: at,
    updated_at: at,
  });
  const taskIds: number[] = [];
  for (const mobile of spec.mobiles) {
    const complaint = await aComplaint(db, { mobile, district: spec.district });
    const [taskId] = await db('call_tasks').insert({
      session_id: sessionId,
      complaint_id: complaint.id,
      assigned_user_id: null,
      status: 'queued',
      due_at: TASK_DUE_LONG_AGO,
      created_at: at,
      updated_at: at,
    });
    taskIds.push(Number(taskId));
  }
  return { sessionId: Number(sessionId), taskIds };
}
