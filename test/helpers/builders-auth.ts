// Builders for access tests: one user per role in a district, and a small "world" of rows every kind of route can point at.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { nowDb, toDbTime } from '../../server/shared/dates.js';
import { ROLES, type Role } from '../../server/shared/http.js';
import {
  aComplaint,
  aUser,
  departmentId,
  districtId,
  TASK_DUE_LONG_AGO,
  type ComplaintSpec,
} from './builders.js';

export type Signed = { id: number; username: string; password: string };

/** One user per role, all scoped to the same district (or the whole state). */
export async function usersPerRole(db: Knex, district: string, tag: string): Promise<Record<Role, Signed>> {
  const out = {} as Record<Role, Signed>;
  for (const role of ROLES)
    out[role] = await aUser(db, { role, username: `${tag}-${role}`, districts: [district] });
  return out;
}

/** The ids a route's path parameters can be filled with; every row lies in one district. */
export interface World {
  districtId: number;
  complaintId: number;
  referenceNo: string;
  mobile: string;
  officerId: number;
  sessionId: number;
  drawId: number;
  selectionId: number;
  taskId: number;
  attemptId: number;
  outcomeId: number;
  flagId: number;
  explanationId: number;
  importBatchId: number;
}

/**
 * A session in `district` with one drawn complaint, a task held by `callerId`, an attempt, an unsatisfied outcome,
 * an open flag and an explanation demand. Inserted directly so it does not depend on the services under test.
 */
export async function aWorld(
  db: Knex,
  district: string,
  people: { callerId: number; officerUserId: number; supervisorId: number },
  complaint: ComplaintSpec = {},
): Promise<World> {
  const now = nowDb();
  const dId = await districtId(db, district);
  const c = await aComplaint(db, { district, ...complaint });
  const mobile = ((await db('complaints').where({ id: c.id }).first('mobile')) as { mobile: string }).mobile;
  const [officerId] = await db('officers').insert({
    name: `अधिकारी ${district}`,
    designation: 'तहसीलदार',
    department_id: await departmentId(db, 'revenue'),
    district_id: dId,
    created_at: now,
    updated_at: now,
  });
  await db('complaints').where({ id: c.id }).update({ officer_id: officerId });
  const [sessionId] = await db('feedback_sessions').insert({
    title: `सत्यापन ${district}`,
    district_id: dId,
    session_date: DateTime.utc().toISODate(),
    mode: 'officers',
    per_caller: 5,
    total: 5,
    // The shapes sessions stores (FrameFilter, SessionDesign), so session pages can read them back.
    frame_filter: JSON.stringify({
      districtId: dId,
      disposedFrom: DateTime.utc().minus({ days: 30 }).toISODate(),
      disposedTo: DateTime.utc().toISODate(),
    }),
    design: JSON.stringify({ kind: 'simple' }),
    status: 'active',
    created_by: people.supervisorId,
    created_at: now,
    updated_at: now,
  });
  for (const user_id of new Set([people.callerId, people.officerUserId]))
    await db('session_callers').insert({ session_id: sessionId, user_id });
  const [drawId] = await db('sample_draws').insert({
    session_id: sessionId,
    draw_number: 1,
    seed: 'matrix-seed',
    rule_name: 'sha256-rank',
    rule_version: '1',
    design: JSON.stringify({ kind: 'simple' }),
    frame_sha256: '0'.repeat(64),
    frame_size: 1,
    sample_size: 1,
    is_current: true,
    created_by: people.supervisorId,
    created_at: now,
  });
  await db('sample_draw_frames').insert({
    draw_id: drawId,
    encoding: 'tsv',
    content: Buffer.from(`${c.referenceNo}\n`),
  });
  const [selectionId] = await db('sample_selections').insert({
    draw_id: drawId,
    complaint_id: c.id,
    reference_no: c.referenceNo,
    stratum: 'revenue',
    rank_in_stratum: 1,
    rank_key: 'a'.repeat(64),
    is_reserve: false,
  });
  const [taskId] = await db('call_tasks').insert({
    session_id: sessionId,
    selection_id: selectionId,
    complaint_id: c.id,
    assigned_user_id: people.callerId,
    status: 'queued',
    priority: 0,
    due_at: TASK_DUE_LONG_AGO,
    is_callback: false,
    attempts: 1,
    created_at: now,
    updated_at: now,
  });
  const [attemptId] = await db('call_attempts').insert({
    task_id: taskId,
    user_id: people.callerId,
    channel: 'manual',
    started_at: now,
    ended_at: now,
    duration_seconds: 60,
    disposition: 'complete',
  });
  const [outcomeId] = await db('outcomes').insert({
    task_id: taskId,
    attempt_id: attemptId,
    complaint_id: c.id,
    session_id: sessionId,
    user_id: people.callerId,
    verdict: 'unsatisfied',
    answers: '{}',
    remarks: complaint.complaintText ?? null,
    idempotency_key: `matrix-${district}-${taskId}`,
    is_current: true,
    created_at: now,
  });
  const [flagId] = await db('report_flags').insert({
    complaint_id: c.id,
    session_id: sessionId,
    outcome_id: outcomeId,
    reason: 'unsatisfied',
    raised_by: people.callerId,
    status: 'open',
    reason_codes: '[]',
    created_at: now,
    updated_at: now,
  });
  const [explanationId] = await db('explanation_demands').insert({
    flag_id: flagId,
    session_id: sessionId,
    officer_id: officerId,
    complaint_id: c.id,
    deadline_at: toDbTime(DateTime.utc().plus({ days: 3 })),
    status: 'demanded',
    created_at: now,
    updated_at: now,
  });
  const [importBatchId] = await db('import_batches').insert({
    file_name: 'igrs-export.csv',
    user_id: people.supervisorId,
    status: 'done',
    started_at: now,
  });
  // The batch's rows are the district's: who may open it follows (docs/import-columns.md).
  await db('import_batch_districts').insert({ batch_id: importBatchId, district_id: dId });
  return {
    districtId: dId,
    complaintId: c.id,
    referenceNo: c.referenceNo,
    mobile,
    officerId: officerId as number,
    sessionId: sessionId as number,
    drawId: drawId as number,
    selectionId: selectionId as number,
    taskId: taskId as number,
    attemptId: attemptId as number,
    outcomeId: outcomeId as number,
    flagId: flagId as number,
    explanationId: explanationId as number,
    importBatchId: importBatchId as number,
  };
}
