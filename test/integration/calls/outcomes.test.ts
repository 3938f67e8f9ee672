// Outcomes against a real database: idempotency, corrections as new rows, events after commit, reserve replacement.
import { expect } from 'chai';
import { AuditLog } from '../../../server/features/audit/audit-log.js';
import { CallQueue } from '../../../server/features/calls/call-queue.service.js';
import { OutcomesService } from '../../../server/features/calls/outcomes.service.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { AppError } from '../../../server/shared/errors.js';
import { EventBus } from '../../../server/shared/events.js';
import { aComplaint, aUser } from '../../helpers/builders.js';
import { aSession, aTask } from '../../helpers/builders-calls.js';
import { useTestDb } from '../../helpers/db.js';

describe('outcomes', () => {
  const t = useTestDb();

  function services() {
    const clock = fixedClock('2026-11-23T10:00:00+05:30');
    const events = new EventBus();
    const seen: string[] = [];
    for (const name of ['outcome:recorded', 'task:changed', 'caller:state'] as const)
      events.on(name, () => seen.push(name));
    return {
      clock,
      seen,
      queue: new CallQueue(t.db, clock, events),
      outcomes: new OutcomesService(t.db, clock, events, new AuditLog(clock)),
    };
  }

  async function heldTask() {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const taskId = await aTask(t.db, { sessionId });
    const s = services();
    await s.queue.claimNextTask(caller.id);
    return { caller, taskId, ...s };
  }

  it('returns the first outcome when the same key is submitted again', async () => {
    const { caller, taskId, outcomes, seen } = await heldTask();
    const body = { idempotencyKey: 'same-key-123', disposition: 'complete', verdict: 'satisfied' };
    const first = await outcomes.recordOutcome(caller.id, taskId, body);
    const again = await outcomes.recordOutcome(caller.id, taskId, body);
    expect(again.repeated).to.equal(true);
    expect(again.outcome.id).to.equal(first.outcome.id);
    expect(await t.db('outcomes')).to.have.length(1);
    expect(seen.filter((e) => e === 'outcome:recorded')).to.have.length(1);
    const audit = await t.db('audit_log').where({ action: 'outcome.recorded' });
    expect(audit).to.have.length(1);
  });

  it('records one outcome when the same key arrives several times at once', async () => {
    const { caller, taskId, outcomes } = await heldTask();
    const body = { idempotencyKey: 'racing-key-123', disposition: 'complete', verdict: 'unsatisfied' };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => outcomes.recordOutcome(caller.id, taskId, body)),
    );
    expect(new Set(results.map((r) => r.outcome.id)).size).to.equal(1);
    expect(results.filter((r) => !r.repeated)).to.have.length(1);
    expect(await t.db('outcomes')).to.have.length(1);
    expect(await t.db('report_flags')).to.have.length(1);
  });

  it('refuses a key already used for another task', async () => {
    const { caller, taskId, outcomes, queue } = await heldTask();
    await outcomes.recordOutcome(caller.id, taskId, {
      idempotencyKey: 'key-used-once',
      disposition: 'refused',
    });
    const sessionId = (await t.db('call_tasks').where({ id: taskId }).first()).session_id;
    const second = await aTask(t.db, { sessionId });
    await queue.claimNextTask(caller.id);
    try {
      await outcomes.recordOutcome(caller.id, second, {
        idempotencyKey: 'key-used-once',
        disposition: 'refused',
      });
      expect.fail('expected a conflict');
    } catch (err) {
      expect((err as AppError).key).to.equal('calls.error.keyReused');
    }
  });

  it('corrects an outcome with a new row and a reason, leaving the old one in place but not current', async () => {
    const { caller, taskId, outcomes, seen } = await heldTask();
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const first = await outcomes.recordOutcome(caller.id, taskId, {
      idempotencyKey: 'first-outcome',
      disposition: 'complete',
      verdict: 'satisfied',
    });
    seen.length = 0;
    const fixed = await outcomes.correctOutcome({ id: supervisor.id, role: 'supervisor' }, first.outcome.id, {
      idempotencyKey: 'correction-1',
      verdict: 'not_addressed',
      reason: 'Caller pressed the wrong key; complainant said nobody came.',
    });
    const rows = await t.db('outcomes').orderBy('id');
    expect(rows.map((r) => [r.verdict, Boolean(r.is_current), r.corrects_outcome_id])).to.deep.equal([
      ['satisfied', false, null],
      ['not_addressed', true, first.outcome.id],
    ]);
    expect(fixed.outcome.correction_reason).to.match(/wrong key/);
    // The board hears of the corrected outcome, but the supervisor who corrected it is not shown as a caller.
    expect(seen).to.deep.equal(['outcome:recorded', 'task:changed']);
    expect(await t.db('report_flags').where({ outcome_id: fixed.outcome.id })).to.have.length(1);
    expect(await t.db('audit_log').where({ action: 'outcome.corrected' })).to.have.length(1);
    const other = await aUser(t.db);
    try {
      await outcomes.correctOutcome({ id: other.id, role: 'caller' }, fixed.outcome.id, {
        idempotencyKey: 'correction-2',
        reason: 'mine now',
      });
      expect.fail('expected a refusal');
    } catch (err) {
      expect((err as AppError).key).to.equal('calls.error.notYourOutcome');
    }
  });

  it('replaces a wrong number from the reserve list in the same transaction', async () => {
    const caller = await aUser(t.db);
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const [drawId] = await t.db('sample_draws').insert({
      session_id: sessionId,
      draw_number: 1,
      seed: 's',
      rule_name: 'sha256-rank',
      rule_version: '1',
      design: '{}',
      frame_sha256: 'f'.repeat(64),
      frame_size: 10,
      sample_size: 1,
      is_current: true,
      created_at: '2026-11-22 00:00:00.000',
    });
    const sampled = await aComplaint(t.db);
    const reserve = await aComplaint(t.db);
    const [selId] = await t.db('sample_selections').insert({
      draw_id: drawId,
      complaint_id: sampled.id,
      reference_no: sampled.referenceNo,
      stratum: 'all',
      rank_in_stratum: 1,
      rank_key: 'a',
      is_reserve: false,
    });
    await t.db('sample_selections').insert({
      draw_id: drawId,
      complaint_id: reserve.id,
      reference_no: reserve.referenceNo,
      stratum: 'all',
      rank_in_stratum: 2,
      rank_key: 'b',
      is_reserve: true,
    });
    const taskId = await aTask(t.db, { sessionId, complaintId: sampled.id });
    await t.db('call_tasks').where({ id: taskId }).update({ selection_id: selId });
    const { queue, outcomes } = services();
    await queue.claimNextTask(caller.id);
    const r = await outcomes.recordOutcome(caller.id, taskId, {
      idempotencyKey: 'wrong-number-1',
      disposition: 'wrong_number',
    });
    expect(r.taskStatus).to.equal('replaced');
    const replacement = await t.db('call_tasks').where({ id: r.replacementTaskId! }).first();
    expect(replacement).to.include({ complaint_id: reserve.id, status: 'queued' });
    expect((await t.db('call_attempts').where({ task_id: taskId }).first()).aapor_code).to.equal('4.70');
  });
});
