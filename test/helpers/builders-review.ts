// Builders for review and report tests: a session with its officers, tasks, attempts and recorded verdicts.
import type { Knex } from 'knex';
import { raiseFlagForOutcome } from '../../server/features/review/flags.hook.js';
import { type Clock, nowDb, systemClock } from '../../server/shared/dates.js';
import { aComplaint, aUser, districtId, TASK_DUE_LONG_AGO } from './builders.js';

let counter = 0;

/** `count` departments, adding test departments when the master list is shorter (it has 23). */
export async function someDepartments(db: Knex, count: number): Promise<Array<{ id: number; code: string }>> {
  const have = (await db('departments').orderBy('id').select('id')) as Array<{ id: number }>;
  const now = nowDb();
  for (let i = have.length; i < count; i++) {
    await db('departments')
      .insert({
        code: `test-dept-${i}`,
        name_en: `Test department ${i}`,
        name_hi: `परीक्षण विभाग ${i}`,
        aliases: '[]',
        created_at: now,
        updated_at: now,
      })
      .onConflict('code')
      .ignore();
  }
  const rows = (await db('departments').orderBy('id').limit(count).select('id', 'code')) as Array<{
    id: number;
    code: string;
  }>;
  return rows.map((r) => ({ id: Number(r.id), code: r.code }));
}

export async function anOfficer(db: Knex, departmentId: number, district = 'kanpur-nagar'): Promise<number> {
  const n = ++counter;
  const now = nowDb();
  const [id] = await db('officers').insert({
    name: `अधिकारी ${n}`,
    designation: 'उप जिलाधिकारी',
    department_id: departmentId,
    district_id: await districtId(db, district),
    created_at: now,
    updated_at: now,
  });
  return id as number;
}

export async function aFeedbackSession(
  db: Knex,
  spec: { callers: number[]; createdBy?: number | null; district?: string; title?: string; date?: string },
): Promise<number> {
  const now = nowDb();
  const [id] = await db('feedback_sessions').insert({
    title: spec.title ?? 'पाक्षिक सत्यापन सत्र',
    district_id: await districtId(db, spec.district ?? 'kanpur-nagar'),
    session_date: spec.date ?? '2026-11-22',
    mode: 'officers',
    per_caller: 5,
    status: 'active',
    frame_filter: '{}',
    design: '{}',
    created_by: spec.createdBy ?? null,
    created_at: now,
    updated_at: now,
  });
  for (const userId of spec.callers) await db('session_callers').insert({ session_id: id, user_id: userId });
  return id as number;
}

export async function aQueuedTask(
  db: Knex,
  sessionId: number,
  complaintId: number,
  userId: number | null,
): Promise<number> {
  const now = nowDb();
  const [id] = await db('call_tasks').insert({
    session_id: sessionId,
    complaint_id: complaintId,
    assigned_user_id: userId,
    status: 'queued',
    priority: 0,
    due_at: TASK_DUE_LONG_AGO,
    is_callback: false,
    attempts: 0,
    created_at: now,
    updated_at: now,
  });
  return id as number;
}

/**
 * Records what the call queue records for a finished call: the attempts (AAPOR codes, oldest first), then an
 * outcome with the verdict, raising the review flag in the same transaction as the calls feature does.
 * For tests that need verdicts on record without driving the console; the seed 004 replay uses the endpoints.
 */
export async function aCallRecord(
  db: Knex,
  spec: {
    taskId: number;
    userId: number;
    attempts: Array<{ disposition: string; aapor: string }>;
    verdict?: string | null;
  },
  clock: Clock = systemClock,
): Promise<number | null> {
  return db.transaction(async (trx) => {
    const task = (await trx('call_tasks').where({ id: spec.taskId }).first()) as {
      session_id: number;
      complaint_id: number;
    };
    const now = nowDb(clock);
    let lastAttempt: number | null = null;
    for (const a of spec.attempts) {
      const [attemptId] = await trx('call_attempts').insert({
        task_id: spec.taskId,
        user_id: spec.userId,
        channel: 'manual',
        started_at: now,
        ended_at: now,
        duration_seconds: 60,
        disposition: a.disposition,
        aapor_code: a.aapor,
      });
      lastAttempt = attemptId as number;
    }
    const last = spec.attempts.at(-1)!;
    await trx('call_tasks').where({ id: spec.taskId }).update({
      status: 'done',
      attempts: spec.attempts.length,
      last_disposition: last.disposition,
      updated_at: now,
    });
    if (spec.verdict === undefined || spec.verdict === null) return null;
    const [outcomeId] = await trx('outcomes').insert({
      task_id: spec.taskId,
      attempt_id: lastAttempt,
      complaint_id: task.complaint_id,
      session_id: task.session_id,
      user_id: spec.userId,
      verdict: spec.verdict,
      answers: JSON.stringify({ contacted: spec.verdict === 'satisfied' ? 'yes' : 'no' }),
      remarks: spec.verdict === 'satisfied' ? 'काम हो गया' : 'कोई अधिकारी नहीं आया',
      idempotency_key: `test-${spec.taskId}-${++counter}`,
      is_current: true,
      created_at: now,
    });
    return raiseFlagForOutcome(
      trx,
      {
        id: outcomeId as number,
        sessionId: task.session_id,
        complaintId: task.complaint_id,
        userId: spec.userId,
        verdict: spec.verdict,
      },
      clock,
    );
  });
}

export { aComplaint, aUser };
