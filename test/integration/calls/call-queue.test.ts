// The call queue against a real database: atomic claims under concurrency, leases, retries, call-backs and calling hours.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { AuditLog } from '../../../server/features/audit/audit-log.js';
import { DEFAULT_CALLING_HOURS, dayPart } from '../../../server/features/calls/calling-hours.js';
import { CallQueue } from '../../../server/features/calls/call-queue.service.js';
import { OutcomesService } from '../../../server/features/calls/outcomes.service.js';
import { fixedClock, fromDbTime, IST } from '../../../server/shared/dates.js';
import { AppError } from '../../../server/shared/errors.js';
import { EventBus } from '../../../server/shared/events.js';
import { engineOf } from '../../../server/db/knex.js';
import { aUser, districtId } from '../../helpers/builders.js';
import { aSession, aTask, manyTasks } from '../../helpers/builders-calls.js';
import { useTestDb } from '../../helpers/db.js';

describe('call queue', () => {
  const t = useTestDb();
  const monday10am = '2026-11-23T10:00:00+05:30';

  function services(start = monday10am) {
    const clock = fixedClock(start);
    const events = new EventBus();
    return {
      clock,
      events,
      queue: new CallQueue(t.db, clock, events),
      outcomes: new OutcomesService(t.db, clock, events, new AuditLog(clock)),
    };
  }

  let keySeq = 0;
  const key = () => `test-key-${++keySeq}-${Date.now()}`;

  async function expectAppError(p: Promise<unknown>, status: number, messageKey: string) {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(AppError);
      expect((err as AppError).status).to.equal(status);
      expect((err as AppError).key).to.equal(messageKey);
      return;
    }
    expect.fail(`expected ${messageKey}`);
  }

  it('gives 50 concurrent claimers 200 tasks with none claimed twice and none lost', async function () {
    this.timeout(120_000);
    const callers = await Promise.all(Array.from({ length: 50 }, () => aUser(t.db, { role: 'caller' })));
    const sessionId = await aSession(t.db, { callers: callers.map((c) => c.id) });
    await manyTasks(t.db, sessionId, 200);
    const { queue, outcomes } = services();
    const claimedBy = new Map<number, number[]>();
    const started = Date.now();
    await Promise.all(
      callers.map(async (c) => {
        for (;;) {
          const claim = await queue.claimNextTask(c.id);
          if (!claim.task) return;
          claimedBy.set(claim.task.id, [...(claimedBy.get(claim.task.id) ?? []), c.id]);
          await outcomes.recordOutcome(c.id, claim.task.id, {
            idempotencyKey: key(),
            disposition: 'complete',
            verdict: 'satisfied',
          });
        }
      }),
    );
    if (process.env.DEBUG_TIMING) console.log('claim loops ms', Date.now() - started);
    expect(claimedBy.size).to.equal(200);
    expect([...claimedBy.values()].filter((by) => by.length > 1)).to.deep.equal([]);
    const attempts = await t.db('call_attempts').select('task_id').count({ n: '*' }).groupBy('task_id');
    expect(attempts.filter((a) => Number(a.n) !== 1)).to.deep.equal([]);
    expect(Number((await t.db('outcomes').count({ n: '*' }).first())!.n)).to.equal(200);
    expect(
      Number((await t.db('call_tasks').whereNot({ status: 'done' }).count({ n: '*' }).first())!.n),
    ).to.equal(0);
  });

  it('offers due call-backs first, then by priority, then by due time', async () => {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const base = DateTime.fromISO(monday10am);
    const late = await aTask(t.db, { sessionId, dueAt: base.minus({ hours: 1 }) });
    const early = await aTask(t.db, { sessionId, dueAt: base.minus({ hours: 3 }) });
    const urgent = await aTask(t.db, { sessionId, dueAt: base.minus({ minutes: 5 }), priority: 5 });
    const callback = await aTask(t.db, { sessionId, dueAt: base.minus({ minutes: 1 }), isCallback: true });
    await aTask(t.db, { sessionId, dueAt: base.plus({ hours: 1 }), isCallback: true }); // not due yet
    const { queue, outcomes } = services();
    const order: number[] = [];
    for (;;) {
      const claim = await queue.claimNextTask(caller.id);
      if (!claim.task) break;
      order.push(claim.task.id);
      await outcomes.recordOutcome(caller.id, claim.task.id, {
        idempotencyKey: key(),
        disposition: 'refused',
      });
    }
    expect(order).to.deep.equal([callback, urgent, early, late]);
  });

  it('gives officers only their own tasks, and pool tasks only to the session’s callers', async () => {
    const officer = await aUser(t.db, { role: 'session_officer' });
    const other = await aUser(t.db, { role: 'session_officer' });
    const sessionId = await aSession(t.db, { mode: 'officers' });
    const mine = await aTask(t.db, { sessionId, assignedUserId: officer.id });
    await aTask(t.db, { sessionId, assignedUserId: other.id });
    await aTask(t.db, { sessionId }); // pool task: neither officer is a session caller
    const { queue } = services();
    expect((await queue.claimNextTask(officer.id)).task?.id).to.equal(mine);
    const stranger = await aUser(t.db);
    expect(await queue.claimNextTask(stranger.id)).to.deep.equal({ task: null, reason: 'none' });
  });

  it('returns the same task to a caller who claims again while holding a lease', async () => {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    await manyTasks(t.db, sessionId, 2);
    const { queue } = services();
    const first = await queue.claimNextTask(caller.id);
    const again = await queue.claimNextTask(caller.id);
    expect(again.task?.id).to.equal(first.task?.id);
    expect(again).to.include({ resumed: true });
  });

  it('puts a task whose lease ran out back in the queue, and refuses the old holder’s outcome', async () => {
    const [a, b] = [await aUser(t.db), await aUser(t.db)];
    const sessionId = await aSession(t.db, { callers: [a.id, b.id] });
    const taskId = await aTask(t.db, { sessionId });
    const { queue, outcomes, clock } = services();
    expect((await queue.claimNextTask(a.id)).task?.id).to.equal(taskId);
    clock.advance({ minutes: 14 });
    expect((await queue.claimNextTask(b.id)).task).to.equal(null);
    clock.advance({ minutes: 2 });
    await expectAppError(
      outcomes.recordOutcome(a.id, taskId, { idempotencyKey: key(), disposition: 'refused' }),
      409,
      'calls.error.leaseExpired',
    );
    expect((await queue.claimNextTask(b.id)).task?.id).to.equal(taskId);
    await expectAppError(
      outcomes.recordOutcome(a.id, taskId, { idempotencyKey: key(), disposition: 'refused' }),
      403,
      'calls.error.notYourTask',
    );
    const attempts = await t.db('call_attempts').where({ task_id: taskId }).orderBy('id');
    expect(attempts.map((x) => [x.user_id, x.error_key])).to.deep.equal([
      [a.id, 'calls.error.leaseExpired'],
      [b.id, null],
    ]);
  });

  it('retries no answer at least 2 hours later at another time of day, then ends the task unreachable', async () => {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const taskId = await aTask(t.db, { sessionId });
    const { queue, outcomes, clock } = services();
    const parts = new Set<number>();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claim = await queue.claimNextTask(caller.id);
      expect(claim.task?.id, `attempt ${attempt}`).to.equal(taskId);
      parts.add(dayPart(clock.now(), DEFAULT_CALLING_HOURS));
      const r = await outcomes.recordOutcome(caller.id, taskId, {
        idempotencyKey: key(),
        disposition: 'no_answer',
      });
      const task = await t.db('call_tasks').where({ id: taskId }).first();
      if (attempt < 3) {
        expect(r.taskStatus).to.equal('queued');
        const due = fromDbTime(task.due_at)!;
        expect(due.diff(clock.now(), 'minutes').minutes).to.be.at.least(120);
        clock.advance({ minutes: 119 });
        expect((await queue.claimNextTask(caller.id)).task).to.equal(null);
        clock.set(due);
      } else {
        expect(r.taskStatus).to.equal('unreachable');
        expect(task).to.include({ status: 'unreachable', attempts: 3, last_disposition: 'no_answer' });
      }
    }
    expect(parts.size).to.equal(3);
  });

  it('queues a call-back at the time the complainant asked for', async () => {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const taskId = await aTask(t.db, { sessionId });
    await aTask(t.db, { sessionId, priority: -1 });
    const { queue, outcomes, clock } = services();
    await queue.claimNextTask(caller.id);
    await outcomes.recordOutcome(caller.id, taskId, {
      idempotencyKey: key(),
      disposition: 'callback_requested',
      callbackAt: '2026-11-23T16:30',
    });
    const task = await t.db('call_tasks').where({ id: taskId }).first();
    expect(fromDbTime(task.due_at)!.setZone(IST).toFormat('HH:mm')).to.equal('16:30');
    clock.set('2026-11-23T16:29:00+05:30');
    const other = await queue.claimNextTask(caller.id);
    expect(other.task?.id).to.not.equal(taskId);
    await outcomes.recordOutcome(caller.id, other.task!.id, {
      idempotencyKey: key(),
      disposition: 'refused',
    });
    clock.set('2026-11-23T16:31:00+05:30');
    expect((await queue.claimNextTask(caller.id)).task?.id).to.equal(taskId);
  });

  it('offers nothing outside calling hours or on a district holiday', async () => {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    await aTask(t.db, { sessionId });
    const { queue, clock } = services('2026-11-23T19:05:00+05:30');
    expect(await queue.claimNextTask(caller.id)).to.deep.equal({ task: null, reason: 'outsideHours' });
    clock.set('2026-11-24T08:59:00+05:30');
    expect((await queue.claimNextTask(caller.id)).task).to.equal(null);
    await t
      .db('district_holidays')
      .insert({ district_id: await districtId(t.db), day: '2026-11-24', name: 'गुरु नानक जयंती' });
    clock.set('2026-11-24T11:00:00+05:30');
    expect(await queue.claimNextTask(caller.id)).to.deep.equal({ task: null, reason: 'outsideHours' });
    clock.set('2026-11-25T09:00:00+05:30');
    expect((await queue.claimNextTask(caller.id)).task).to.not.equal(null);
  });

  it('claims by walking the claim-order index, without sorting the session’s due tasks', async () => {
    const { queue } = services();
    const caller = await aUser(t.db, { role: 'caller' });
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    await manyTasks(t.db, sessionId, 60);
    const walks: Array<{ sql: string; bindings: readonly Knex.RawBinding[] }> = [];
    const listen = (q: { sql: string; bindings: readonly Knex.RawBinding[] }) => {
      if (/^select \* from `call_tasks` where .* order by/i.test(q.sql)) walks.push(q);
    };
    t.db.on('query', listen);
    try {
      expect((await queue.claimNextTask(caller.id)).task).to.not.equal(null);
    } finally {
      t.db.removeListener('query', listen);
    }
    expect(walks).to.have.length.greaterThan(0);
    for (const walk of walks) {
      if (engineOf(t.db) === 'sqlite') {
        const plan = (await t.db.raw(`explain query plan ${walk.sql}`, walk.bindings)) as Array<{
          detail: string;
        }>;
        const details = plan.map((p) => p.detail).join(' | ');
        expect(details).to.include('call_tasks_claim_order_index');
        expect(details).to.not.include('TEMP B-TREE');
      } else {
        const [rows] = (await t.db.raw(`explain ${walk.sql}`, walk.bindings)) as [
          Array<{ key: string; Extra: string }>,
        ];
        expect(rows[0]!.key).to.equal('call_tasks_claim_order_index');
        expect(rows[0]!.Extra ?? '').to.not.include('filesort');
      }
    }
  });
});
