// An outcome's history for supervisors and callers: the original and every correction, who may open it and correct it.
import type { Knex } from 'knex';
import { forbidden, notFound } from '../../shared/errors.js';
import { canSeeDistrict, type SignedInUser } from '../auth/users.repository.js';
import type { ScriptQuestion } from './scripts.service.js';

const SUPERVISING = ['supervisor', 'admin'];

export interface OutcomeEntry {
  id: number;
  userId: number | null;
  userName: string | null;
  createdAt: string;
  disposition: string;
  aaporCode: string | null;
  verdict: string | null;
  answers: Record<string, string | number | boolean | null>;
  remarks: string | null;
  correctsOutcomeId: number | null;
  correctionReason: string | null;
  isCurrent: boolean;
}

export interface OutcomeHistory {
  /** Original first, then each correction in order; the one asked for is somewhere in it. */
  chain: OutcomeEntry[];
  /** The last entry: the one a correction is made to. */
  latest: OutcomeEntry;
  task: {
    id: number;
    status: string;
    sessionId: number;
    sessionTitle: string;
    districtId: number;
    referenceNo: string;
    complainantName: string | null;
    departmentHi: string;
    departmentEn: string;
  };
  /** The questions of the script the call was read from (none recorded: an empty list). */
  questions: ScriptQuestion[];
}

interface OutcomeDbRow {
  id: number;
  task_id: number;
  attempt_id: number | null;
  user_id: number | null;
  user_name: string | null;
  disposition: string;
  aapor_code: string | null;
  verdict: string | null;
  answers: string | null;
  remarks: string | null;
  corrects_outcome_id: number | null;
  correction_reason: string | null;
  is_current: number | boolean;
  created_at: string;
}

const parseAnswers = (text: string | null): OutcomeEntry['answers'] => {
  try {
    const parsed = JSON.parse(text ?? '{}') as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as OutcomeEntry['answers'])
      : {};
  } catch {
    return {};
  }
};

const entryOf = (r: OutcomeDbRow): OutcomeEntry => ({
  id: r.id,
  userId: r.user_id,
  userName: r.user_name,
  createdAt: r.created_at,
  disposition: r.disposition,
  aaporCode: r.aapor_code,
  verdict: r.verdict,
  answers: parseAnswers(r.answers),
  remarks: r.remarks,
  correctsOutcomeId: r.corrects_outcome_id,
  correctionReason: r.correction_reason,
  isCurrent: Boolean(r.is_current),
});

/** The outcomes of one task, oldest first, with who recorded each. */
function taskOutcomes(db: Knex, taskId: number): Promise<OutcomeDbRow[]> {
  return db('outcomes as o')
    .leftJoin('users as u', 'u.id', 'o.user_id')
    .where('o.task_id', taskId)
    .orderBy('o.id')
    .select(
      'o.id',
      'o.task_id',
      'o.attempt_id',
      'o.user_id',
      'u.display_name as user_name',
      'o.disposition',
      'o.aapor_code',
      'o.verdict',
      'o.answers',
      'o.remarks',
      'o.corrects_outcome_id',
      'o.correction_reason',
      'o.is_current',
      'o.created_at',
    ) as Promise<OutcomeDbRow[]>;
}

/**
 * Reads an outcome with the chain it belongs to. A correction always replaces the current entry, so the chain is a
 * line: back through `corrects_outcome_id` to the original, forward through the entry that corrects each one.
 */
export async function readOutcomeHistory(db: Knex, outcomeId: number): Promise<OutcomeHistory | null> {
  const asked = (await db('outcomes').where({ id: outcomeId }).first('task_id')) as
    { task_id: number } | undefined;
  if (!asked) return null;
  const rows = await taskOutcomes(db, asked.task_id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const correctedBy = new Map(
    rows.filter((r) => r.corrects_outcome_id !== null).map((r) => [r.corrects_outcome_id!, r]),
  );
  let original = byId.get(outcomeId)!;
  while (original.corrects_outcome_id !== null && byId.has(original.corrects_outcome_id))
    original = byId.get(original.corrects_outcome_id)!;
  const chain: OutcomeDbRow[] = [original];
  for (let next = correctedBy.get(original.id); next; next = correctedBy.get(next.id)) chain.push(next);

  const task = (await db('call_tasks as t')
    .join('feedback_sessions as s', 's.id', 't.session_id')
    .join('complaints as c', 'c.id', 't.complaint_id')
    .join('departments as dep', 'dep.id', 'c.department_id')
    .where('t.id', asked.task_id)
    .first(
      't.id',
      't.status',
      't.session_id as sessionId',
      's.title as sessionTitle',
      's.district_id as districtId',
      'c.reference_no as referenceNo',
      'c.complainant_name as complainantName',
      'dep.name_hi as departmentHi',
      'dep.name_en as departmentEn',
    )) as OutcomeHistory['task'];

  // The questions the caller asked: the script of the attempt the original was recorded on.
  const script = original.attempt_id
    ? ((await db('call_attempts as a')
        .join('call_scripts as cs', 'cs.id', 'a.script_id')
        .where('a.id', original.attempt_id)
        .first('cs.questions')) as { questions: string } | undefined)
    : undefined;
  let questions: ScriptQuestion[] = [];
  try {
    questions = script ? (JSON.parse(script.questions) as ScriptQuestion[]) : [];
  } catch {
    questions = [];
  }
  const entries = chain.map(entryOf);
  return { chain: entries, latest: entries.at(-1)!, task, questions };
}

/** Whether this user took part in the chain: recorded the original or a correction. */
const recordedBy = (history: OutcomeHistory, user: SignedInUser) =>
  history.chain.some((e) => e.userId === user.id);

/**
 * Who may open an outcome: a supervisor or admin of its district, or a caller who recorded it or corrected it. Out of
 * the user's districts it does not exist for them; a caller of the district is told it is another caller's.
 */
export function assertMayView(user: SignedInUser, history: OutcomeHistory): void {
  if (!canSeeDistrict(user, history.task.districtId)) throw notFound('calls.error.outcomeNotFound');
  if (!SUPERVISING.includes(user.role) && !recordedBy(history, user))
    throw forbidden('calls.error.outcomeNotYours');
}

/** Why this user cannot correct the outcome now (a message key), or null when they may. */
export function correctionRefusal(user: SignedInUser, history: OutcomeHistory): string | null {
  if (!history.latest.isCurrent) return 'calls.outcomes.replacedByLaterAttempt';
  if (!SUPERVISING.includes(user.role) && history.latest.userId !== user.id)
    return 'calls.error.notYourOutcome';
  return null;
}

/** Loads an outcome for this user, refusing it as `assertMayView` says. */
export async function outcomeFor(db: Knex, user: SignedInUser, outcomeId: number): Promise<OutcomeHistory> {
  const history = await readOutcomeHistory(db, outcomeId);
  if (!history) throw notFound('calls.error.outcomeNotFound');
  assertMayView(user, history);
  return history;
}

export interface OutcomeListItem {
  id: number;
  taskId: number;
  referenceNo: string;
  departmentHi: string;
  departmentEn: string;
  userName: string | null;
  disposition: string;
  verdict: string | null;
  createdAt: string;
  corrected: boolean;
}

/** A session's current outcomes, one per task that has one, newest first; corrected ones are marked. */
export async function listSessionOutcomes(db: Knex, sessionId: number): Promise<OutcomeListItem[]> {
  const rows = (await db('outcomes as o')
    .join('complaints as c', 'c.id', 'o.complaint_id')
    .join('departments as dep', 'dep.id', 'c.department_id')
    .leftJoin('users as u', 'u.id', 'o.user_id')
    .where({ 'o.session_id': sessionId, 'o.is_current': true })
    .orderBy('o.id', 'desc')
    .select(
      'o.id',
      'o.task_id as taskId',
      'c.reference_no as referenceNo',
      'dep.name_hi as departmentHi',
      'dep.name_en as departmentEn',
      'u.display_name as userName',
      'o.disposition',
      'o.verdict',
      'o.created_at as createdAt',
      'o.corrects_outcome_id as correctsOutcomeId',
    )) as Array<Omit<OutcomeListItem, 'corrected'> & { correctsOutcomeId: number | null }>;
  return rows.map(({ correctsOutcomeId, ...r }) => ({ ...r, corrected: correctsOutcomeId !== null }));
}

/** The outcomes of one task this user may open, oldest first (the task page lists them). */
export async function taskOutcomesFor(db: Knex, user: SignedInUser, taskId: number): Promise<OutcomeEntry[]> {
  const entries = (await taskOutcomes(db, taskId)).map(entryOf);
  if (SUPERVISING.includes(user.role)) return entries;
  // A caller sees the chains they took part in: follow each back to its original.
  const byId = new Map(entries.map((e) => [e.id, e]));
  const rootOf = (e: OutcomeEntry): number => {
    let at = e;
    while (at.correctsOutcomeId !== null && byId.has(at.correctsOutcomeId))
      at = byId.get(at.correctsOutcomeId)!;
    return at.id;
  };
  const mine = new Set(entries.filter((e) => e.userId === user.id).map(rootOf));
  return entries.filter((e) => mine.has(rootOf(e)));
}
