// SQL for the session report and the trends: current verdicts, flags, demands and call attempts of sessions.
import type { Knex } from 'knex';

export interface VerdictRow {
  outcomeId: number;
  complaintId: number;
  userId: number | null;
  verdict: string;
  departmentId: number;
}

/** The current verdict of each complaint checked in the session (the latest current outcome with a verdict). */
export async function currentVerdicts(db: Knex, sessionId: number): Promise<VerdictRow[]> {
  const rows = (await db('outcomes as oc')
    .join('complaints as c', 'c.id', 'oc.complaint_id')
    .where({ 'oc.session_id': sessionId, 'oc.is_current': true })
    .whereNotNull('oc.verdict')
    .orderBy('oc.id')
    .select(
      'oc.id as outcomeId',
      'oc.complaint_id as complaintId',
      'oc.user_id as userId',
      'oc.verdict',
      'c.department_id as departmentId',
    )) as VerdictRow[];
  const latest = new Map<number, VerdictRow>();
  for (const r of rows) latest.set(Number(r.complaintId), r);
  return [...latest.values()];
}

export async function rejectedComplaintIds(db: Knex, sessionId: number): Promise<Set<number>> {
  const rows = (await db('report_flags')
    .where({ session_id: sessionId, status: 'rejected' })
    .select('complaint_id')) as Array<{ complaint_id: number }>;
  return new Set(rows.map((r) => Number(r.complaint_id)));
}

export async function demandCounts(
  db: Knex,
  sessionId: number,
  now: string,
): Promise<{ demanded: number; received: number; accepted: number; overdue: number }> {
  const row = (await db('explanation_demands')
    .where({ session_id: sessionId })
    .first(
      db.raw('count(*) as demanded'),
      db.raw('sum(case when replied_at is not null then 1 else 0 end) as received'),
      db.raw("sum(case when status = 'accepted' then 1 else 0 end) as accepted"),
      db.raw("sum(case when status = 'demanded' and deadline_at < ? then 1 else 0 end) as overdue", [now]),
    )) as Record<string, number | string | null>;
  const n = (k: string) => Number(row[k] ?? 0);
  return { demanded: n('demanded'), received: n('received'), accepted: n('accepted'), overdue: n('overdue') };
}

/** Users who took part: the session's callers and anyone who recorded an outcome in it. */
export async function participants(
  db: Knex,
  sessionId: number,
): Promise<Array<{ id: number; name: string; designation: string | null }>> {
  const ids = new Set<number>();
  const callers = (await db('session_callers').where({ session_id: sessionId }).select('user_id')) as Array<{
    user_id: number;
  }>;
  callers.forEach((c) => ids.add(Number(c.user_id)));
  const recorders = (await db('outcomes')
    .where({ session_id: sessionId })
    .whereNotNull('user_id')
    .distinct('user_id')) as Array<{ user_id: number }>;
  recorders.forEach((r) => ids.add(Number(r.user_id)));
  if (ids.size === 0) return [];
  return (await db('users')
    .whereIn('id', [...ids])
    .orderBy('display_name')
    .select('id', 'display_name as name', 'designation')) as Array<{
    id: number;
    name: string;
    designation: string | null;
  }>;
}

/** Every case of the session (its tasks, cancelled ones aside) with the AAPOR codes of its attempts, oldest first. */
export async function attemptCodesByCase(db: Knex, sessionId: number): Promise<Array<Array<string | null>>> {
  const tasks = (await db('call_tasks')
    .where({ session_id: sessionId })
    .whereNot({ status: 'cancelled' })
    .select('id')) as Array<{ id: number }>;
  const attempts = (await db('call_attempts as a')
    .join('call_tasks as t', 't.id', 'a.task_id')
    .where({ 't.session_id': sessionId })
    .whereNotNull('a.aapor_code')
    .orderBy('a.id')
    .select('a.task_id as taskId', 'a.aapor_code as code')) as Array<{ taskId: number; code: string | null }>;
  const byTask = new Map<number, Array<string | null>>(tasks.map((t) => [Number(t.id), []]));
  for (const a of attempts) byTask.get(Number(a.taskId))?.push(a.code);
  return [...byTask.values()];
}

export interface TrendRow {
  sessionId: number;
  departmentId: number;
  checked: number;
  satisfied: number;
}

/** Satisfied and checked counts per session and department, for the regular sessions given. */
export async function trendCounts(db: Knex, sessionIds: number[]): Promise<TrendRow[]> {
  if (sessionIds.length === 0) return [];
  const rows = (await db('outcomes as oc')
    .join('complaints as c', 'c.id', 'oc.complaint_id')
    .whereIn('oc.session_id', sessionIds)
    .where('oc.is_current', true)
    .whereNotNull('oc.verdict')
    .groupBy('oc.session_id', 'c.department_id')
    .select(
      'oc.session_id as sessionId',
      'c.department_id as departmentId',
      db.raw('count(distinct oc.complaint_id) as checked'),
      db.raw("count(distinct case when oc.verdict = 'satisfied' then oc.complaint_id end) as satisfied"),
    )) as Array<Record<string, number | string>>;
  return rows.map((r) => ({
    sessionId: Number(r.sessionId),
    departmentId: Number(r.departmentId),
    checked: Number(r.checked),
    satisfied: Number(r.satisfied),
  }));
}
