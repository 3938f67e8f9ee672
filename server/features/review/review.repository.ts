// SQL for flags, explanation demands and the lists built from them (re-opening list, letters, overdue demands).
import type { Knex } from 'knex';
import type { SignedInUser } from '../auth/users.repository.js';
import { whereInScope } from '../auth/users.repository.js';

export interface FlagRow {
  id: number;
  complaint_id: number;
  session_id: number;
  outcome_id: number | null;
  reason: string;
  raised_by: number | null;
  status: string;
  reason_codes: string;
  note: string | null;
  decided_by: number | null;
  decided_at: string | null;
}

export interface DemandRow {
  id: number;
  flag_id: number;
  session_id: number;
  officer_id: number | null;
  complaint_id: number;
  deadline_at: string | Date;
  status: string;
  reply_text: string | null;
  replied_at: string | Date | null;
  reply_entered_by: number | null;
  decided_by: number | null;
  decided_at: string | Date | null;
  decision_note: string | null;
}

export interface SessionRef {
  id: number;
  district_id: number;
  created_by: number | null;
  title: string;
  session_date: string | Date;
}

export async function findSession(db: Knex, sessionId: number): Promise<SessionRef | undefined> {
  return (await db('feedback_sessions')
    .where({ id: sessionId })
    .first('id', 'district_id', 'created_by', 'title', 'session_date')) as SessionRef | undefined;
}

/** Whether the user ran the session: a caller on it (officers' sessions) or the one who planned it. */
export async function isSessionOfficerOf(db: Knex, userId: number, session: SessionRef): Promise<boolean> {
  if (session.created_by === userId) return true;
  const row = await db('session_callers').where({ session_id: session.id, user_id: userId }).first('user_id');
  return Boolean(row);
}

export async function findFlag(db: Knex, flagId: number): Promise<FlagRow | undefined> {
  return (await db('report_flags').where({ id: flagId }).first()) as FlagRow | undefined;
}

export async function findDemand(db: Knex, demandId: number): Promise<DemandRow | undefined> {
  return (await db('explanation_demands').where({ id: demandId }).first()) as DemandRow | undefined;
}

/** Flags with what a reviewer needs beside them: the complaint, its report, the call's verdict, answers and notes. */
export function flagsWithContext(db: Knex, user: SignedInUser) {
  const q = db('report_flags as f')
    .join('complaints as c', 'c.id', 'f.complaint_id')
    .join('feedback_sessions as s', 's.id', 'f.session_id')
    .join('departments as d', 'd.id', 'c.department_id')
    .leftJoin('officers as o', 'o.id', 'c.officer_id')
    .leftJoin('outcomes as oc', 'oc.id', 'f.outcome_id')
    .leftJoin('users as caller', 'caller.id', 'oc.user_id')
    .leftJoin('explanation_demands as e', 'e.flag_id', 'f.id')
    .select(
      'f.id',
      'f.session_id as sessionId',
      'f.complaint_id as complaintId',
      'f.reason',
      'f.status',
      'f.reason_codes as reasonCodes',
      'f.note',
      'f.decided_at as decidedAt',
      'f.created_at as raisedAt',
      's.title as sessionTitle',
      's.district_id as districtId',
      'c.reference_no as referenceNo',
      'c.subject',
      'c.complaint_text as complaintText',
      'c.disposal_report as disposalReport',
      'c.disposed_at as disposedAt',
      'c.complainant_name as complainantName',
      'd.name_hi as departmentHi',
      'd.name_en as departmentEn',
      'o.name as officerName',
      'o.designation as officerDesignation',
      'oc.verdict',
      'oc.answers',
      'oc.remarks',
      'caller.display_name as callerName',
      'e.id as demandId',
      'e.status as demandStatus',
    )
    .orderBy('f.id');
  return whereInScope(q, user, 's.district_id');
}

/** Demands with their complaint, officer and session, for lists, letters and the overdue list. */
export function demandsWithContext(db: Knex, user: SignedInUser) {
  const q = db('explanation_demands as e')
    .join('report_flags as f', 'f.id', 'e.flag_id')
    .join('complaints as c', 'c.id', 'e.complaint_id')
    .join('feedback_sessions as s', 's.id', 'e.session_id')
    .join('departments as d', 'd.id', 'c.department_id')
    .leftJoin('officers as o', 'o.id', 'e.officer_id')
    .select(
      'e.id',
      'e.session_id as sessionId',
      'e.officer_id as officerId',
      'e.complaint_id as complaintId',
      'e.deadline_at as deadlineAt',
      'e.status',
      'e.reply_text as replyText',
      'e.replied_at as repliedAt',
      'e.decision_note as decisionNote',
      'e.decided_at as decidedAt',
      'e.created_at as demandedAt',
      'f.reason_codes as reasonCodes',
      'f.note as finding',
      's.title as sessionTitle',
      's.session_date as sessionDate',
      's.district_id as districtId',
      'c.reference_no as referenceNo',
      'c.subject',
      'd.name_hi as departmentHi',
      'd.name_en as departmentEn',
      'o.name as officerName',
      'o.designation as officerDesignation',
    )
    .orderBy('e.id');
  return whereInScope(q, user, 's.district_id');
}

/** Complaints of a session whose current verdict is "satisfied" and that carry no flag yet. */
export async function satisfiedUnflagged(
  db: Knex,
  sessionId: number,
): Promise<Array<{ complaintId: number; referenceNo: string; subject: string | null }>> {
  return (await db('outcomes as oc')
    .join('complaints as c', 'c.id', 'oc.complaint_id')
    .leftJoin('report_flags as f', function () {
      this.on('f.session_id', 'oc.session_id').andOn('f.complaint_id', 'oc.complaint_id');
    })
    .where({ 'oc.session_id': sessionId, 'oc.is_current': true, 'oc.verdict': 'satisfied' })
    .whereNull('f.id')
    .orderBy('c.reference_no')
    .select('oc.complaint_id as complaintId', 'c.reference_no as referenceNo', 'c.subject')) as Array<{
    complaintId: number;
    referenceNo: string;
    subject: string | null;
  }>;
}
