// The call queue: claiming the next task atomically under a lease, and what a caller sees of their own queue.
import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import { lockSkippingLocked } from '../../db/locking.js';
import { type Clock, fromDbTime, istDay, toDbTime } from '../../shared/dates.js';
import type { EventBus } from '../../shared/events.js';
import { getSettingCached } from '../../shared/settings.js';
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

/** Read on every claim and outcome; a changed setting applies within a few seconds (at once in this process). */
export async function queueSettings(db: Knex): Promise<QueueSettings> {
  const stored = await getSettingCached<Partial<QueueSettings>>(db, 'calls.queue', {}, 5000);
  return { ...DEFAULT_QUEUE_SETTINGS, ...stored };
}

interface SessionRow {
  id: number;
  district_id: number;
  settings: string;
  pooled: number;
  /** Whether the session's district keeps the given day as a holiday (0 when no day was asked about). */
  holiday: number;
}

/** The sessions a user may take tasks from, whether their pool is open to them, and whether `day` is a holiday. */
async function sessionsFor(db: Knex, userId: number, day: string | null = null): Promise<SessionRow[]> {
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
      db.raw(
        'exists (select 1 from district_holidays h where h.district_id = s.district_id and h.day = ?) as holiday',
        [day ?? ''],
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

interface QueueHead {
  id: number;
  is_callback: number | boolean;
  priority: number;
  due_at: string;
}

/** The queue's order: due call-backs first, then priority, then the time the task fell due. */
function queueOrder(a: QueueHead, b: QueueHead): number {
  return (
    Number(b.is_callback) - Number(a.is_callback) ||
    b.priority - a.priority ||
    (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0) ||
    a.id - b.id
  );
}

const inQueueOrder = (q: Knex.QueryBuilder) =>
  q.orderBy([
    { column: 'is_callback', order: 'desc' },
    { column: 'priority', order: 'desc' },
    { column: 'due_at', order: 'asc' },
    { column: 'id', order: 'asc' },
  ]);

/**
 * The parts of the queue a caller may claim from. Each part but the last is one range of
 * call_tasks_claim_order_index (session, status, assignee) walked in queue order: the caller's own tasks and the
 * pool of each open session. The last is tasks whose lease ran out, few, found by the lease index.
 */
interface QueuePart {
  name: string;
  tasks: (db: Knex) => Knex.QueryBuilder;
  /** Walked in index order under FOR UPDATE SKIP LOCKED; the expired part is locked task by task instead. */
  ordered: boolean;
}

function queueParts(userId: number, openIds: number[], pooled: number[], nowText: string): QueuePart[] {
  const parts: QueuePart[] = [];
  for (const sessionId of openIds) {
    // `+due_at`: the unary plus keeps SQLite's planner from taking the (session, status, due_at) index and sorting
    // every due task of the session on each claim; it then walks the claim-order index, as MySQL/MariaDB does
    // (their parsers drop the plus, so their plan is the same).
    const due = (db: Knex) =>
      db('call_tasks').where({ session_id: sessionId, status: 'queued' }).whereRaw('+due_at <= ?', [nowText]);
    parts.push({
      name: `own${sessionId}`,
      tasks: (db) => due(db).where('assigned_user_id', userId),
      ordered: true,
    });
    if (pooled.includes(sessionId)) {
      parts.push({
        name: `pool${sessionId}`,
        tasks: (db) => due(db).whereNull('assigned_user_id'),
        ordered: true,
      });
    }
  }
  parts.push({
    name: 'expired',
    tasks: (db) =>
      db('call_tasks')
        .where('status', 'claimed')
        .where('lease_expires_at', '<=', nowText)
        .whereIn('session_id', openIds)
        .where((w) => {
          w.where('assigned_user_id', userId);
          if (pooled.length) w.orWhere((p) => p.whereNull('assigned_user_id').whereIn('session_id', pooled));
        }),
    ordered: false,
  });
  return parts;
}

/**
 * One read of the queue, without locks: the task the caller holds, if any, and the first task of each part, so
 * the claim knows which part to take from first. One statement (UNION ALL of LIMIT 1 walks).
 */
async function readQueue(
  trx: Knex.Transaction,
  userId: number,
  parts: QueuePart[],
  nowText: string,
): Promise<{ held: TaskRow | null; heads: Array<QueueHead & { part: string }> }> {
  const part = (name: string, q: Knex.QueryBuilder) =>
    trx.select('*').from(
      q
        .select('*', trx.raw('? as part', [name]))
        .limit(1)
        .as(`p_${name}`),
    );
  const [first, ...rest] = [
    part(
      'held',
      trx('call_tasks')
        .where({ lease_user_id: userId, status: 'claimed' })
        .where('lease_expires_at', '>', nowText),
    ),
    ...parts.map((p) => part(p.name, inQueueOrder(p.tasks(trx)))),
  ];
  const rows = (await first!.unionAll(rest)) as Array<TaskRow & { part: string }>;
  const heldRow = rows.find((r) => r.part === 'held');
  if (heldRow) {
    const { part: _part, ...held } = heldRow;
    return { held, heads: [] };
  }
  return { held: null, heads: rows.sort(queueOrder) };
}

/**
 * Locks the first task of a part that nobody else holds. An ordered part is walked in its index's order under
 * FOR UPDATE SKIP LOCKED: rows other claimers hold are stepped over, the first free one is locked and no other
 * row is (there is nothing to sort). A task leaves the range the moment its claim commits, so nobody meets a
 * task already taken. The few expired leases are locked one by one, checked again under the lock.
 */
async function lockFirstFree(
  trx: Knex.Transaction,
  part: QueuePart,
  head: QueueHead,
  stillClaimable: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
): Promise<TaskRow | undefined> {
  const query = part.ordered
    ? inQueueOrder(part.tasks(trx)).first()
    : stillClaimable(trx('call_tasks').where({ id: head.id })).first();
  return (await lockSkippingLocked(trx, query)) as TaskRow | undefined;
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
    const sessions = await sessionsFor(this.db, userId, istDay(now));
    const open = sessions.filter(
      (s) => !s.holiday && withinCallingHours(now, districtHours(s.settings, settings.callingHours)),
    );
    if (open.length === 0) return { task: null, reason: sessions.length ? 'outsideHours' : 'none' };
    const pooled = open.filter((s) => Boolean(s.pooled)).map((s) => s.id);
    const openIds = open.map((s) => s.id);

    const parts = queueParts(userId, openIds, pooled, nowText);
    const stillClaimable = (q: Knex.QueryBuilder) =>
      q
        .where((w) => {
          w.where('assigned_user_id', userId);
          if (pooled.length) w.orWhere((p) => p.whereNull('assigned_user_id').whereIn('session_id', pooled));
        })
        .where('status', 'claimed')
        .where('lease_expires_at', '<=', nowText);

    const result = await retryOnDeadlock(() =>
      this.db.transaction(async (trx) => {
        const { held, heads } = await readQueue(trx, userId, parts, nowText);
        if (held) return { task: held, resumed: true };
        let candidate: TaskRow | undefined;
        for (const head of heads) {
          candidate = await lockFirstFree(
            trx,
            parts.find((p) => p.name === head.part)!,
            head,
            stillClaimable,
          );
          if (candidate) break;
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
        const lease = {
          status: 'claimed',
          lease_user_id: userId,
          lease_expires_at: toDbTime(now.plus({ minutes: settings.leaseMinutes })),
          current_attempt_id: attemptId as number,
          updated_at: nowText,
        };
        await trx('call_tasks').where({ id: candidate.id }).update(lease);
        return { task: { ...candidate, ...lease }, resumed: false };
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
