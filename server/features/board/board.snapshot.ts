// Reads a board's figures from the database with SQL aggregates: counts, callers, departments, feed, flags, explanations.
import type { Knex } from 'knex';
import { type Clock, fromDbTime, nowDb } from '../../shared/dates.js';
import type {
  BoardCounts,
  BoardRoom,
  BoardSnapshot,
  CallerState,
  FeedOutcome,
  LocalName,
} from './board.events.js';
import type { BoardStore } from './board.store.js';

const FEED_SIZE = 30;
const LIST_SIZE = 10;
// 'not addressed' is a stronger 'unsatisfied' (asantusht): the board counts it there, as the CM office does.
const UNSATISFIED = ['unsatisfied', 'not_addressed'];

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v ?? 0);
const iso = (v: unknown): string => fromDbTime(v as string)?.toISO() ?? '';

/** The sessions a room covers: one session, or the open sessions of a district or of the whole state. */
function sessionsOf(db: Knex, room: BoardRoom): Knex.QueryBuilder {
  const q = db('feedback_sessions').select('id');
  if (room.startsWith('session:')) return q.where('id', Number(room.slice('session:'.length)));
  q.whereNot('status', 'closed');
  if (room.startsWith('district:')) q.where('district_id', Number(room.slice('district:'.length)));
  return q;
}

export async function roomTitle(db: Knex, room: BoardRoom): Promise<LocalName | null> {
  if (room === 'state') return { hi: 'उत्तर प्रदेश', en: 'Uttar Pradesh' };
  if (room.startsWith('session:')) {
    const s = (await db('feedback_sessions as s')
      .join('districts as d', 'd.id', 's.district_id')
      .where('s.id', Number(room.slice('session:'.length)))
      .first('s.title', 'd.name_hi', 'd.name_en')) as Row | undefined;
    return s ? { hi: `${s.title} · ${s.name_hi}`, en: `${s.title} · ${s.name_en}` } : null;
  }
  const d = (await db('districts')
    .where('id', Number(room.slice('district:'.length)))
    .first('name_hi', 'name_en')) as Row | undefined;
  return d ? { hi: String(d.name_hi), en: String(d.name_en) } : null;
}

async function readCounts(db: Knex, room: BoardRoom): Promise<BoardCounts> {
  const tasks = (await db('call_tasks')
    .whereIn('session_id', sessionsOf(db, room))
    .whereNot('status', 'cancelled')
    .first(
      db.raw('count(*) as sampled'),
      db.raw("sum(case when attempts > 0 or status in ('done', 'unreachable') then 1 else 0 end) as called"),
      db.raw("sum(case when status = 'claimed' then 1 else 0 end) as in_progress"),
      db.raw("sum(case when status = 'unreachable' then 1 else 0 end) as unreachable"),
      db.raw("sum(case when status in ('queued', 'claimed') then 1 else 0 end) as remaining"),
    )) as Row;
  const verdicts = (await db('outcomes')
    .whereIn('session_id', sessionsOf(db, room))
    .where('is_current', true)
    .whereNotNull('verdict')
    .groupBy('verdict')
    .select('verdict', db.raw('count(*) as n'))) as Array<{ verdict: string; n: unknown }>;
  const by = (names: string[]) =>
    verdicts.filter((v) => names.includes(v.verdict)).reduce((s, v) => s + num(v.n), 0);
  return {
    sampled: num(tasks.sampled),
    called: num(tasks.called),
    inProgress: num(tasks.in_progress),
    satisfied: by(['satisfied']),
    partlySatisfied: by(['partly_satisfied']),
    unsatisfied: by(UNSATISFIED),
    unreachable: num(tasks.unreachable),
    remaining: num(tasks.remaining),
  };
}

async function readCallers(
  db: Knex,
  room: BoardRoom,
  live: Map<string, CallerState>,
): Promise<BoardSnapshot['callers']> {
  const people = (await db('session_callers as sc')
    .join('users as u', 'u.id', 'sc.user_id')
    .whereIn('sc.session_id', sessionsOf(db, room))
    .groupBy('u.id', 'u.display_name')
    .orderBy('u.display_name')
    .select('u.id', 'u.display_name', db.raw('max(sc.session_id) as session_id'))) as Row[];
  if (!people.length) return [];
  const ids = people.map((p) => Number(p.id));
  const shares = (await db('call_tasks')
    .whereIn('session_id', sessionsOf(db, room))
    .whereIn('assigned_user_id', ids)
    .whereNot('status', 'cancelled')
    .groupBy('assigned_user_id')
    .select(
      'assigned_user_id as user_id',
      db.raw('count(*) as total'),
      db.raw("sum(case when status in ('done', 'unreachable') then 1 else 0 end) as done"),
    )) as Row[];
  const verdictsBy = (await db('outcomes')
    .whereIn('session_id', sessionsOf(db, room))
    .whereIn('user_id', ids)
    .where('is_current', true)
    .whereNotNull('verdict')
    .groupBy('user_id')
    .select('user_id', db.raw('count(*) as n'))) as Row[];
  const holding = (await db('call_tasks')
    .whereIn('session_id', sessionsOf(db, room))
    .whereIn('lease_user_id', ids)
    .where('status', 'claimed')
    .distinct('lease_user_id')) as Row[];
  const latest = (await db('outcomes as o')
    .join('complaints as c', 'c.id', 'o.complaint_id')
    .whereIn('o.session_id', sessionsOf(db, room))
    .whereIn('o.id', function latestPerCaller(this: Knex.QueryBuilder) {
      this.from('outcomes')
        .whereIn('session_id', sessionsOf(db, room))
        .whereIn('user_id', ids)
        .groupBy('user_id')
        .max('id');
    })
    .select('o.user_id', 'o.verdict', 'o.created_at', 'c.reference_no')) as Row[];

  const share = new Map(shares.map((r) => [Number(r.user_id), r]));
  const verdictCount = new Map(verdictsBy.map((r) => [Number(r.user_id), num(r.n)]));
  const onCall = new Set(holding.map((r) => Number(r.lease_user_id)));
  const last = new Map(latest.map((r) => [Number(r.user_id), r]));
  return people.map((p) => {
    const id = Number(p.id);
    const s = share.get(id);
    const l = last.get(id);
    // Pool mode has no fixed share: progress is what this caller finished.
    const total = s ? num(s.total) : null;
    const done = s ? num(s.done) : (verdictCount.get(id) ?? 0);
    const fallback: CallerState = onCall.has(id) ? 'on-call' : 'idle';
    return {
      userId: id,
      name: String(p.display_name),
      done,
      total,
      state: live.get(`${num(p.session_id)}:${id}`) ?? fallback,
      lastOutcome: l
        ? {
            verdict: (l.verdict as string | null) ?? null,
            referenceNo: String(l.reference_no),
            at: iso(l.created_at),
          }
        : null,
    };
  });
}

async function readDepartments(db: Knex, room: BoardRoom): Promise<BoardSnapshot['departments']> {
  const rows = (await db('outcomes as o')
    .join('complaints as c', 'c.id', 'o.complaint_id')
    .join('departments as d', 'd.id', 'c.department_id')
    .whereIn('o.session_id', sessionsOf(db, room))
    .where('o.is_current', true)
    .whereNotNull('o.verdict')
    .groupBy('d.id', 'd.name_hi', 'd.name_en')
    .select(
      'd.id',
      'd.name_hi',
      'd.name_en',
      db.raw('count(*) as done'),
      db.raw("sum(case when o.verdict = 'satisfied' then 1 else 0 end) as satisfied"),
      db.raw("sum(case when o.verdict in ('unsatisfied', 'not_addressed') then 1 else 0 end) as unsatisfied"),
    )) as Row[];
  const flagged = (await db('report_flags as f')
    .join('complaints as c', 'c.id', 'f.complaint_id')
    .whereIn('f.session_id', sessionsOf(db, room))
    .groupBy('c.department_id')
    .select('c.department_id', db.raw('count(*) as n'))) as Row[];
  const flags = new Map(flagged.map((r) => [Number(r.department_id), num(r.n)]));
  return rows
    .map((r) => {
      const done = num(r.done);
      return {
        departmentId: Number(r.id),
        name: { hi: String(r.name_hi), en: String(r.name_en) },
        done,
        satisfied: num(r.satisfied),
        satisfiedShare: done ? num(r.satisfied) / done : null,
        unsatisfied: num(r.unsatisfied),
        flagged: flags.get(Number(r.id)) ?? 0,
      };
    })
    .sort((a, b) => b.done - a.done || a.name.en.localeCompare(b.name.en));
}

async function readFeed(db: Knex, room: BoardRoom): Promise<FeedOutcome[]> {
  const rows = (await db('outcomes as o')
    .join('complaints as c', 'c.id', 'o.complaint_id')
    .join('departments as d', 'd.id', 'c.department_id')
    .leftJoin('users as u', 'u.id', 'o.user_id')
    .leftJoin('call_attempts as a', 'a.id', 'o.attempt_id')
    .whereIn('o.session_id', sessionsOf(db, room))
    .where('o.is_current', true)
    .orderBy('o.id', 'desc')
    .limit(FEED_SIZE)
    .select(
      'o.id',
      'o.task_id',
      'o.session_id',
      'o.verdict',
      'o.user_id',
      'o.created_at',
      'c.reference_no',
      'c.department_id',
      'd.name_hi',
      'd.name_en',
      'u.display_name',
      'a.disposition',
    )) as Row[];
  return rows.map((r) => ({
    outcomeId: Number(r.id),
    taskId: Number(r.task_id),
    sessionId: Number(r.session_id),
    referenceNo: String(r.reference_no),
    departmentId: Number(r.department_id),
    department: { hi: String(r.name_hi), en: String(r.name_en) },
    callerId: r.user_id == null ? null : Number(r.user_id),
    callerName: (r.display_name as string | null) ?? null,
    verdict: (r.verdict as string | null) ?? null,
    disposition: (r.disposition as string | null) ?? null,
    at: iso(r.created_at),
  }));
}

async function readFlags(db: Knex, room: BoardRoom): Promise<BoardSnapshot['flags']> {
  const rows = (await db('report_flags as f')
    .join('complaints as c', 'c.id', 'f.complaint_id')
    .join('departments as d', 'd.id', 'c.department_id')
    .whereIn('f.session_id', sessionsOf(db, room))
    .orderBy('f.id', 'desc')
    .limit(LIST_SIZE)
    .select('f.id', 'f.reason', 'f.created_at', 'c.reference_no', 'd.name_hi', 'd.name_en')) as Row[];
  return rows.map((r) => ({
    flagId: Number(r.id),
    referenceNo: String(r.reference_no),
    department: { hi: String(r.name_hi), en: String(r.name_en) },
    reason: String(r.reason),
    at: iso(r.created_at),
  }));
}

async function readExplanations(
  db: Knex,
  room: BoardRoom,
  now: string,
): Promise<BoardSnapshot['explanations']> {
  const waiting = () =>
    db('explanation_demands as e')
      .whereIn('e.session_id', sessionsOf(db, room))
      .where('e.status', 'demanded');
  const totals = (await waiting().first(
    db.raw('count(*) as pending'),
    db.raw('sum(case when e.deadline_at < ? then 1 else 0 end) as overdue', [now]),
  )) as Row;
  const overdue = (await waiting()
    .join('complaints as c', 'c.id', 'e.complaint_id')
    .leftJoin('officers as of', 'of.id', 'e.officer_id')
    .where('e.deadline_at', '<', now)
    .orderBy('e.deadline_at')
    .limit(LIST_SIZE)
    .select('e.id', 'e.deadline_at', 'c.reference_no', 'of.name')) as Row[];
  return {
    pending: num(totals.pending),
    overdue: num(totals.overdue),
    overdueList: overdue.map((r) => ({
      demandId: Number(r.id),
      referenceNo: String(r.reference_no),
      officerName: (r.name as string | null) ?? null,
      deadlineAt: iso(r.deadline_at),
    })),
  };
}

/**
 * The room's sequence is read BEFORE the figures: an event numbered above it may already be counted, which the
 * browser detects by outcome id in the feed; one numbered at or below it is certainly counted.
 */
export async function readSnapshot(
  db: Knex,
  room: BoardRoom,
  store: BoardStore,
  clock: Clock,
): Promise<BoardSnapshot | null> {
  const seq = await store.currentSeq(room);
  const title = await roomTitle(db, room);
  if (!title) return null;
  const now = nowDb(clock);
  const [counts, callers, departments, feed, flags, explanations] = await Promise.all([
    readCounts(db, room),
    store.callerStates().then((live) => readCallers(db, room, live)),
    readDepartments(db, room),
    readFeed(db, room),
    readFlags(db, room),
    readExplanations(db, room, now),
  ]);
  return {
    room,
    seq,
    title,
    at: clock.now().toISO()!,
    counts,
    callers,
    departments,
    feed,
    flags,
    explanations,
  };
}
