// The call queue: claiming the next task atomically under a lease, and what a caller sees of their own queue.
import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import { lockSkippingLocked } from '../../db/locking.js';
import { type Clock, fromDbTime, istDay, toDbTime } from '../../shared/dates.js';
import type { EventBus } from '../../shared/events.js';
import { getSetting } from '../../shared/settings.js';
import {
  type CallingHours,
  DEFAULT_QUEUE_SETTINGS,
  type QueueSettings,
  withinCallingHours,
} from './calling-hours.js';

export interface TaskRow {
  id: number;
  session_id: number;
  complaint_id: number;
  assigned_user_id: number | null;
  status: string;
  priority: number;
  due_at: string;
  is_callback: number | boolean;
  lease_user_id: number | null;
  lease_expires_at: string | null;
  attempts: number;
  last_disposition: string | null;
  current_attempt_id: number | null;
}

export type ClaimResult =
  | { task: TaskRow; resumed: boolean; districtId: number }
  /** none: nothing due for you; outsideHours: tasks wait but no district you call is open now. */
  | { task: null; reason: 'none' | 'outsideHours' };

// Read on every claim and outcome; a few seconds' delay before a changed setting applies is harmless.
const SETTINGS_TTL_MS = 5000;
const settingsCache = new WeakMap<object, { at: number; value: QueueSettings }>();

export async function queueSettings(db: Knex): Promise<QueueSettings> {
  const key = (db.client as { config: object }).config;
  const cached = settingsCache.get(key);
  if (cached && Date.now() - cached.at < SETTINGS_TTL_MS) return cached.value;
  const stored = await getSetting<Partial<QueueSettings>>(db, 'calls.queue', {});
  const value = { ...DEFAULT_QUEUE_SETTINGS, ...stored };
  settingsCache.set(key, { at: Date.now(), value });
  return value;
}

interface SessionRow {
  id: number;
  district_id: number;
  settings: string;
  pooled: number;
}

/** The sessions a user may take tasks from, and whether their pool is open to them. */
async function sessionsFor(db: Knex, userId: number): Promise<SessionRow[]> {
  const rows = (await db('feedback_sessions as s')
    .join('districts as d', 'd.id', 's.district_id')
    .whereNot('s.status', 'closed')
    .where((q) =>
      q
        .whereIn('s.id', db('session_callers').select('session_id').where({ user_id: userId }))
        .orWhereIn(
          's.id',
          db('call_tasks')
            .select('session_id')
            .where({ assigned_user_id: userId })
            .whereIn('status', ['queued', 'claimed']),
        ),
    )
    .select(
      's.id',
      's.district_id',
      'd.settings',
      db.raw(
        'exists (select 1 from session_callers sc where sc.session_id = s.id and sc.user_id = ?) as pooled',
        [userId],
      ),
    )) as SessionRow[];
  return rows;
}

function districtHours(settingsJson: string, fallback: CallingHours): CallingHours {
  try {
    const parsed = JSON.parse(settingsJson || '{}') as { callingHours?: CallingHours };
    return parsed.callingHours ?? fallback;
  } catch {
    return fallback;
  }
}

/** How many of the best tasks a claim tries to lock, one by one, before reading the queue again. */
const CANDIDATE_WINDOW = 50;

interface CandidateRow {
  id: number;
  is_callback: number | boolean;
  priority: number;
  due_at: string;
}

/** The queue's order: due call-backs first, then priority, then the time the task fell due. */
function queueOrder(a: CandidateRow, b: CandidateRow): number {
  return (
    Number(b.is_callback) - Number(a.is_callback) ||
    b.priority - a.priority ||
    (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0) ||
    a.id - b.id
  );
}

/**
 * The best CANDIDATE_WINDOW tasks a caller may claim, best first. Each part is one walk of an index in queue
 * order (call_tasks_claim_order_index) that stops after the window: the caller's own tasks and the pool of each
 * open session, plus tasks whose lease ran out (few, by the lease index). One query with ORs over all of them
 * would read and sort the session's whole queue on every claim.
 */
async function bestCandidates(
  trx: Knex.Transaction,
  {
    userId,
    openIds,
    pooled,
    nowText,
  }: { userId: number; openIds: number[]; pooled: number[]; nowText: string },
): Promise<CandidateRow[]> {
  const columns = ['id', 'is_callback', 'priority', 'due_at'];
  const inOrder = (q: Knex.QueryBuilder) =>
    q
      .orderBy([
        { column: 'is_callback', order: 'desc' },
        { column: 'priority', order: 'desc' },
        { column: 'due_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(CANDIDATE_WINDOW)
      .select(columns);
  const parts: Knex.QueryBuilder[] = [];
  for (const sessionId of openIds) {
    const queued = () => trx('call_tasks').where({ session_id: sessionId, status: 'queued' });
    parts.push(inOrder(queued().where('assigned_user_id', userId).where('due_at', '<=', nowText)));
    if (pooled.includes(sessionId)) {
      parts.push(inOrder(queued().whereNull('assigned_user_id').where('due_at', '<=', nowText)));
    }
  }
  parts.push(
    inOrder(
      trx('call_tasks')
        .where('status', 'claimed')
        .where('lease_expires_at', '<=', nowText)
        .whereIn('session_id', openIds)
        .where((w) => {
          w.where('assigned_user_id', userId);
          if (pooled.length) w.orWhere((p) => p.whereNull('assigned_user_id').whereIn('session_id', pooled));
        }),
    ),
  );
  const rows: CandidateRow[] = [];
  for (const part of parts) rows.push(...((await part) as CandidateRow[]));
  return rows.sort(queueOrder).slice(0, CANDIDATE_WINDOW);
}

/**
 * The order a claimer tries its candidates in: the best one first; if that was just taken by someone else
 * (many claimers at once), the rest in a random order within each rank (call-back, priority), so that
 * concurrent claimers spread over the window instead of all queueing for the same next row.
 */
function* tryOrder(rows: CandidateRow[]): Generator<number> {
  yield rows[0]!.id;
  const rank = (r: CandidateRow) => `${Number(r.is_callback)}:${r.priority}`;
  const groups = new Map<string, number[]>();
  for (const r of rows.slice(1)) groups.set(rank(r), [...(groups.get(rank(r)) ?? []), r.id]);
  for (const ids of groups.values()) {
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    yield* ids;
  }
}

/** InnoDB may pick a transaction as a deadlock victim under heavy concurrency; the whole transaction is safe to rerun. */
export async function retryOnDeadlock<T>(work: () => Promise<T>, tries = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= tries || (code !== 'ER_LOCK_DEADLOCK' && code !== 'ER_LOCK_WAIT_TIMEOUT')) throw err;
    }
  }
}

export class CallQueue {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  /**
   * Claims the next task for a caller, atomically: on MySQL/MariaDB the row is taken with FOR UPDATE SKIP
   * LOCKED, so concurrent claimers each get a different row without waiting; on SQLite the write
   * transaction is the only writer. A task whose lease has run out counts as queued again. A caller
   * holding a live lease gets that task back instead of a second one.
   * Order: due call-backs first, then priority, then the time the task fell due.
   */
  async claimNextTask(userId: number): Promise<ClaimResult> {
    const now = this.clock.now();
    const nowText = toDbTime(now);
    const settings = await queueSettings(this.db);
    const sessions = await sessionsFor(this.db, userId);
    const holidays = new Set(
      (
        (await this.db('district_holidays')
          .where({ day: istDay(now) })
          .whereIn(
            'district_id',
            sessions.map((s) => s.district_id),
          )
          .select('district_id')) as Array<{ district_id: number }>
      ).map((h) => h.district_id),
    );
    const open = sessions.filter(
      (s) =>
        !holidays.has(s.district_id) &&
        withinCallingHours(now, districtHours(s.settings, settings.callingHours)),
    );
    if (open.length === 0) return { task: null, reason: sessions.length ? 'outsideHours' : 'none' };
    const pooled = open.filter((s) => Boolean(s.pooled)).map((s) => s.id);
    const openIds = open.map((s) => s.id);

    const result = await retryOnDeadlock(() =>
      this.db.transaction(async (trx) => {
        const held = (await trx('call_tasks')
          .where({ lease_user_id: userId, status: 'claimed' })
          .where('lease_expires_at', '>', nowText)
          .first()) as TaskRow | undefined;
        if (held) return { task: held, resumed: true };

        const claimable = (q: Knex.QueryBuilder) =>
          q
            .where((w) => {
              w.where('assigned_user_id', userId);
              if (pooled.length)
                w.orWhere((p) => p.whereNull('assigned_user_id').whereIn('session_id', pooled));
            })
            .where((w) =>
              w
                .where((d) => d.where('status', 'queued').where('due_at', '<=', nowText))
                .orWhere((l) => l.where('status', 'claimed').where('lease_expires_at', '<=', nowText)),
            );
        // First the best few candidates, read without locks; then each is locked by its primary key alone.
        // A single ordered FOR UPDATE would make InnoDB lock every row it sorts, and claimers would starve each other.
        let candidate: TaskRow | undefined;
        for (let round = 0; round < 5 && !candidate; round++) {
          const rows = await bestCandidates(trx, { userId, openIds, pooled, nowText });
          if (rows.length === 0) break;
          for (const id of tryOrder(rows)) {
            candidate = (await lockSkippingLocked(
              trx,
              claimable(trx('call_tasks').where({ id })).first(),
            )) as TaskRow | undefined;
            if (candidate) break;
          }
        }
        if (!candidate) return null;

        if (candidate.status === 'claimed' && candidate.current_attempt_id) {
          // The previous holder's lease ran out mid-call: close their attempt so the record stays true.
          await trx('call_attempts')
            .where({ id: candidate.current_attempt_id })
            .whereNull('ended_at')
            .update({ ended_at: nowText, error_key: 'calls.error.leaseExpired' });
        }
        const [attemptId] = await trx('call_attempts').insert({
          task_id: candidate.id,
          user_id: userId,
          channel: 'manual',
          started_at: nowText,
        });
        const claimed = {
          status: 'claimed',
          lease_user_id: userId,
          lease_expires_at: toDbTime(now.plus({ minutes: settings.leaseMinutes })),
          current_attempt_id: attemptId as number,
          updated_at: nowText,
        };
        await trx('call_tasks').where({ id: candidate.id }).update(claimed);
        return { task: { ...candidate, ...claimed }, resumed: false };
      }),
    );
    if (!result) return { task: null, reason: 'none' };
    const districtId = open.find((s) => s.id === result.task.session_id)!.district_id;
    if (!result.resumed) {
      this.events.emit('task:changed', {
        taskId: result.task.id,
        sessionId: result.task.session_id,
        districtId,
        status: 'claimed',
        userId,
      });
    }
    return { ...result, districtId };
  }

  /** The lease a caller holds on a task, or why they do not hold it. */
  leaseState(task: TaskRow, userId: number): 'held' | 'expired' | 'other' {
    const expires = fromDbTime(task.lease_expires_at);
    if (task.status !== 'claimed' || task.lease_user_id !== userId) {
      return 'other';
    }
    return expires && expires > this.clock.now() ? 'held' : 'expired';
  }

  /** "My calls": what a caller has done, holds and has waiting, across the sessions they call for. */
  async myCalls(userId: number): Promise<MyCalls> {
    const nowText = toDbTime(this.clock.now());
    const sessions = await sessionsFor(this.db, userId);
    const sessionIds = sessions.map((s) => s.id);
    const tasks = (await this.db('call_tasks')
      .where((q) => {
        q.where('assigned_user_id', userId).orWhere('lease_user_id', userId);
      })
      .select(
        'assigned_user_id',
        'id',
        'status',
        'due_at',
        'is_callback',
        'lease_user_id',
        'lease_expires_at',
      )) as Array<
      Pick<
        TaskRow,
        'id' | 'assigned_user_id' | 'status' | 'due_at' | 'is_callback' | 'lease_user_id' | 'lease_expires_at'
      >
    >;
    // Done means finished for good: a retry or a call-back still waiting is not done.
    const doneByMe = (await this.db('outcomes as o')
      .join('call_tasks as t', 't.id', 'o.task_id')
      .where({ 'o.user_id': userId, 'o.is_current': true })
      .whereIn('t.status', ['done', 'unreachable', 'replaced'])
      .countDistinct({ n: 'o.task_id' })
      .first()) as { n: number | string };
    // Pool tasks held for a moment are not "assigned": only an officer's own N are.
    const assigned = tasks.filter(
      (t) => t.assigned_user_id === userId && t.status !== 'cancelled' && t.status !== 'replaced',
    );
    const callbacks = (await this.db('call_tasks')
      .where({ status: 'queued' })
      .where('is_callback', true)
      .where((q) => {
        q.where('assigned_user_id', userId);
        if (sessionIds.length)
          q.orWhere((p) => p.whereNull('assigned_user_id').whereIn('session_id', sessionIds));
      })
      .orderBy('due_at')
      .limit(10)
      .select('id', 'due_at')) as Array<{ id: number; due_at: string }>;
    const waiting = (await this.db('call_tasks')
      .where({ status: 'queued' })
      .where('due_at', '<=', nowText)
      .where((q) => {
        q.where('assigned_user_id', userId);
        if (sessionIds.length)
          q.orWhere((p) => p.whereNull('assigned_user_id').whereIn('session_id', sessionIds));
      })
      .count({ n: '*' })
      .first()) as { n: number | string };
    const held = tasks.find(
      (t) => t.status === 'claimed' && t.lease_user_id === userId && t.lease_expires_at! > nowText,
    );
    return {
      assigned: assigned.filter((t) => t.status !== 'cancelled').length,
      done: Number(doneByMe.n),
      waiting: Number(waiting.n),
      heldTaskId: held?.id ?? null,
      callbacks: callbacks.map((c) => ({ taskId: c.id, dueAt: c.due_at })),
    };
  }
}

export interface MyCalls {
  /** Tasks assigned to this caller (officers mode); 0 in a pool. */
  assigned: number;
  done: number;
  /** Tasks due now that this caller could claim. */
  waiting: number;
  heldTaskId: number | null;
  callbacks: Array<{ taskId: number; dueAt: string }>;
}
