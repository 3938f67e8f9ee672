import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { testDeps } from '../../helpers/app.js';
import { useTestDb } from '../../helpers/db.js';
import { aComplaint, aUser, districtId } from '../../helpers/builders.js';
import { findUserById } from '../../../server/features/auth/users.repository.js';
import { newSessionInput, SessionsService } from '../../../server/features/sessions/sessions.service.js';
import { t as message } from '../../../server/shared/i18n.js';
import { aSession, aSupervisor } from '../../helpers/builders-sessions.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { streamFrameRows, type FrameFilter } from '../../../server/features/sessions/frame.repository.js';
import { drawFromFrame } from '../../../server/features/sessions/sampling/draw-rule.js';
import { compareLabels } from '../../../server/features/sessions/sampling/designs.js';
import {
  drawSample,
  frozenFrameFile,
  verifyStoredDraw,
} from '../../../server/features/sessions/draw.service.js';
import { moveTask } from '../../../server/features/sessions/allocation.service.js';
import { replaceFromReserve } from '../../../server/features/sessions/replacement.js';
import { AppError } from '../../../server/shared/errors.js';
import { reportDrawVerification } from '../../../server/features/sessions/verify-report.js';
import {
  FROZEN_PART_BYTES,
  insertFrozenFrame,
} from '../../../server/features/sessions/sessions.repository.js';
import type { Knex } from 'knex';
import { engineOf } from '../../../server/db/knex.js';

const clock = fixedClock('2026-11-22T06:00:00Z');
const DEPARTMENTS = ['revenue', 'police', 'electricity', 'municipal-corporation'];

/** A frame whose references differ in case, so byte order and a case-insensitive collation disagree. */
async function aFrame(db: Knex, size: number, prefix = '4001') {
  const made: Array<{ referenceNo: string; department: string }> = [];
  for (let i = 0; i < size; i++) {
    const department = DEPARTMENTS[i % DEPARTMENTS.length];
    const letter = i % 3 === 0 ? 'a' : i % 3 === 1 ? 'B' : 'C';
    const referenceNo = `${prefix}${letter}${String((i * 7919) % 100_003).padStart(6, '0')}`;
    await aComplaint(db, { referenceNo, department, disposedAt: DateTime.utc().minus({ days: 5 }) });
    made.push({ referenceNo, department });
  }
  return made;
}

async function rowCounts(db: Knex) {
  const count = async (table: string) =>
    Number(((await db(table).count({ n: '*' }).first()) as { n: number }).n);
  return {
    sessions: await count('feedback_sessions'),
    callers: await count('session_callers'),
    draws: await count('sample_draws'),
    frames: await count('sample_draw_frames'),
    selections: await count('sample_selections'),
    tasks: await count('call_tasks'),
    audit: await count('audit_log'),
  };
}

async function refusal(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('sessions: draw, freeze, allocate, verify', function () {
  this.timeout(60_000);
  const t = useTestDb();
  const deps = () => testDeps(t.db, { clock });

  it('streams the frame in byte order and gives the pure rule’s sample, hash and ranks on this engine', async () => {
    const made = await aFrame(t.db, 60);
    await aComplaint(t.db, { mobile: null }); // no mobile: never in the frame
    await aComplaint(t.db, { status: 'pending', disposedAt: null });
    const district = (await t.db('districts').where({ code: 'kanpur-nagar' }).first('id')) as { id: number };
    const filter: FrameFilter = {
      districtId: district.id,
      disposedFrom: '2000-01-01',
      disposedTo: '2099-12-31',
    };
    const design = { kind: 'stratified' as const, allocation: 'proportional' as const, sampleSize: 12 };
    const seed = 'f'.repeat(64);
    const fromDb = await streamFrameRows(t.db, filter, clock, (rows) => drawFromFrame(rows, seed, design));
    const expectedFrame = made
      .map((m) => ({ referenceNumber: m.referenceNo, stratum: m.department }))
      .sort((a, b) => compareLabels(a.referenceNumber, b.referenceNumber));
    const expected = await drawFromFrame(expectedFrame, seed, design);
    const text = expectedFrame.map((e) => `${e.referenceNumber}\t${e.stratum}\n`).join('');
    expect(fromDb.frameHash).to.equal(createHash('sha256').update(text).digest('hex'));
    expect(fromDb.frameSize).to.equal(60);
    expect(fromDb.sample.map((s) => s.referenceNumber)).to.deep.equal(
      expected.sample.map((s) => s.referenceNumber),
    );
    expect(fromDb.reserve.map((s) => s.referenceNumber)).to.deep.equal(
      expected.reserve.map((s) => s.referenceNumber),
    );
    expect(fromDb.sample).to.have.length(12);
  });

  it('records the draw, the frozen frame, sample and reserves, and allocates evenly with no conflict', async () => {
    await aFrame(t.db, 80);
    const callers = [
      await aUser(t.db, { role: 'session_officer', department: 'revenue' }),
      await aUser(t.db, { role: 'session_officer', department: 'police' }),
      await aUser(t.db, { role: 'session_officer', department: null }),
    ];
    const sessionId = await aSession(deps(), { callers: callers.map((c) => c.id), perCaller: 5 });
    const supervisor = await aSupervisor(t.db);
    const outcome = await drawSample(deps(), supervisor, sessionId);
    expect(outcome.sampleSize).to.equal(15);
    expect(outcome.allocation.perCaller.map((p) => p.tasks)).to.deep.equal([5, 5, 5]);

    const file = await frozenFrameFile(t.db, outcome.drawId);
    expect(createHash('sha256').update(file).digest('hex')).to.equal(outcome.frameHash);
    expect(file.toString('utf8').split('\n').length - 1).to.equal(80);

    const tasks = (await t
      .db('call_tasks as t')
      .join('complaints as c', 'c.id', 't.complaint_id')
      .join('users as u', 'u.id', 't.assigned_user_id')
      .where('t.session_id', sessionId)
      .select('t.status', 't.due_at', 'c.department_id', { caller_department: 'u.department_id' })) as Array<{
      status: string;
      department_id: number;
      caller_department: number | null;
    }>;
    expect(tasks).to.have.length(15);
    expect(tasks.every((task) => task.status === 'queued')).to.equal(true);
    expect(tasks.filter((task) => task.department_id === task.caller_department)).to.deep.equal([]);

    // Proportional allocation sums exactly to the sample, and the reserves follow the ranks.
    const selections = (await t.db('sample_selections').where({ draw_id: outcome.drawId })) as Array<{
      is_reserve: number | boolean;
    }>;
    expect(selections.filter((s) => !s.is_reserve)).to.have.length(15);
    expect(selections.filter((s) => s.is_reserve).length).to.equal(outcome.reserveSize);

    const actions = (await t.db('audit_log').orderBy('id').pluck('action')) as string[];
    expect(actions).to.include.members(['session.created', 'draw.made', 'allocation.made']);

    const verified = await verifyStoredDraw(t.db, outcome.drawId);
    expect(verified.confirmed).to.equal(true);
    expect(verified.mismatches).to.deep.equal([]);
  });

  it('freezes a frame of many 64 KB chunks to the exact file, and sample:verify confirms it', async () => {
    const district = (await t.db('districts').where({ code: 'kanpur-nagar' }).first('id')) as { id: number };
    const departments = (await t.db('departments').whereIn('code', DEPARTMENTS).pluck('id')) as number[];
    const now = DateTime.utc();
    const rows = Array.from({ length: 6000 }, (_, i) => ({
      reference_no: `9232${String((i * 7919) % 1_000_003).padStart(8, '0')}`,
      disposed_at: now.minus({ days: 4 }).toFormat('yyyy-MM-dd HH:mm:ss.SSS'),
      mobile: `+9170${String(i).padStart(8, '0')}`,
      district_id: district.id,
      department_id: departments[i % departments.length],
      status: 'disposed',
      redisposed: false,
      created_at: now.toFormat('yyyy-MM-dd HH:mm:ss.SSS'),
      updated_at: now.toFormat('yyyy-MM-dd HH:mm:ss.SSS'),
    }));
    for (let i = 0; i < rows.length; i += 500) await t.db('complaints').insert(rows.slice(i, i + 500));
    const sessionId = await aSession(deps(), { mode: 'pool', total: 40 });
    const outcome = await drawSample(deps(), null, sessionId);
    const file = await frozenFrameFile(t.db, outcome.drawId);
    expect(file.length).to.be.greaterThan(2 * 65_536);
    expect(createHash('sha256').update(file).digest('hex')).to.equal(outcome.frameHash);
    expect(await reportDrawVerification(t.db, outcome.drawId, () => undefined)).to.equal(0);
  });

  it('gives SQLite’s connection its own page cache size back after a frame stream and a draw', async function () {
    if (engineOf(t.db) !== 'sqlite') this.skip();
    const cacheSize = async () =>
      ((await t.db.raw('PRAGMA cache_size')) as Array<{ cache_size: number }>)[0].cache_size;
    await t.db.raw('PRAGMA cache_size = -12345');
    try {
      await aFrame(t.db, 20);
      const sessionId = await aSession(deps(), { mode: 'pool', total: 4 });
      await drawSample(deps(), null, sessionId);
      expect(await cacheSize()).to.equal(-12345);
      const session = (await t.db('feedback_sessions').where({ id: sessionId }).first()) as {
        frame_filter: string;
      };
      let rows = 0;
      await streamFrameRows(t.db, JSON.parse(session.frame_filter), clock, async (it) => {
        for (const _ of it as Iterable<unknown>) rows++;
      });
      expect(rows).to.equal(20);
      expect(await cacheSize()).to.equal(-12345);
    } finally {
      await t.db.raw('PRAGMA cache_size = -16000');
    }
  });

  it('writes a frozen frame of more than 1 MB compressed in parts of at most 1 MB, and reads back the exact file', async () => {
    await aFrame(t.db, 10);
    const sessionId = await aSession(deps(), { mode: 'pool', total: 3 });
    const { drawId } = await drawSample(deps(), null, sessionId);
    // Random hex halves at best: 64 KB chunks of this 2.5 MB file make more than 1 MB of gzip members.
    const file = Buffer.from(
      Array.from(
        { length: 60_000 },
        (_, i) => `${String(i).padStart(6, '0')}${randomBytes(16).toString('hex')}\tx\n`,
      ).join(''),
    );
    const members: Buffer[] = [];
    for (let at = 0; at < file.length; at += 65_536) members.push(gzipSync(file.subarray(at, at + 65_536)));
    members.push(gzipSync(randomBytes(FROZEN_PART_BYTES + 10))); // a member bigger than a part stands alone
    const whole = Buffer.concat([file, gunzipSync(members[members.length - 1])]);
    await t.db('sample_draw_frames').where({ draw_id: drawId }).del();
    const parts = await t.db.transaction((trx) => insertFrozenFrame(trx, drawId, members));
    const sizes = (await t
      .db('sample_draw_frames')
      .where({ draw_id: drawId })
      .orderBy('part_no')
      .select('part_no', t.db.raw('length(content) as bytes'))) as Array<{ part_no: number; bytes: number }>;
    expect(sizes.map((p) => p.part_no)).to.deep.equal([...Array(parts).keys()]);
    expect(parts).to.be.at.least(3);
    expect(sizes.slice(0, -1).every((p) => Number(p.bytes) <= FROZEN_PART_BYTES)).to.equal(true);
    expect(Number(sizes[sizes.length - 1].bytes)).to.be.greaterThan(FROZEN_PART_BYTES);
    expect((await frozenFrameFile(t.db, drawId)).equals(whole)).to.equal(true);
  });

  it('a changed frame changes the hash, and a tampered frozen frame is refuted', async () => {
    await aFrame(t.db, 40);
    const callers = [await aUser(t.db, { role: 'caller' }), await aUser(t.db, { role: 'caller' })];
    const sessionId = await aSession(deps(), { callers: callers.map((c) => c.id), perCaller: 3 });
    const first = await drawSample(deps(), null, sessionId);
    await aComplaint(t.db, { referenceNo: '4001B999999', department: 'police' });
    const second = await drawSample(deps(), null, sessionId);
    expect(second.frameHash).to.not.equal(first.frameHash);
    expect(second.drawNumber).to.equal(2);
    const draws = (await t
      .db('sample_draws')
      .where({ session_id: sessionId })
      .orderBy('draw_number')) as Array<{ is_current: number | boolean }>;
    expect(draws.map((d) => Boolean(d.is_current))).to.deep.equal([false, true]);
    expect(
      Number(
        (
          (await t.db('call_tasks').where({ session_id: sessionId }).count({ n: '*' }).first()) as {
            n: number;
          }
        ).n,
      ),
    ).to.equal(6);

    const file = (await frozenFrameFile(t.db, first.drawId)).toString('utf8');
    const tampered = file.replace(/\tpolice\n/, '\trevenue\n');
    await t
      .db('sample_draw_frames')
      .where({ draw_id: first.drawId })
      .update({ content: gzipSync(tampered) });
    const verdict = await verifyStoredDraw(t.db, first.drawId);
    expect(verdict.confirmed).to.equal(false);
    expect(verdict.mismatches.map((m) => m.what)).to.include('frameHash');

    // What `npm run sample:verify -- DRAW` prints and exits with.
    const lines: string[] = [];
    expect(await reportDrawVerification(t.db, first.drawId, (l) => lines.push(l))).to.equal(1);
    expect(lines[0]).to.equal(`draw ${first.drawId}: REFUTED`);
    expect(lines.some((l) => l.startsWith('  mismatch frameHash'))).to.equal(true);
    expect(await reportDrawVerification(t.db, second.drawId, () => undefined)).to.equal(0);
  });

  it('refuses bad input with a message key and leaves no rows behind', async () => {
    await aFrame(t.db, 12);
    await aComplaint(t.db, { department: 'basic-education' }); // a department with one complaint
    const before = await rowCounts(t.db);
    const revenueOfficer = await aUser(t.db, { role: 'session_officer', department: 'revenue' });
    const plain = await aUser(t.db, { role: 'caller' });
    const supervisor = await aSupervisor(t.db);
    const stateSupervisor = (await findUserById(
      t.db,
      (await aUser(t.db, { role: 'supervisor', districts: 'all' })).id,
    ))!;
    const lucknow = await districtId(t.db, 'lucknow');
    const cases: Array<[string, () => Promise<unknown>]> = [
      [
        'sessions.error.sampleLargerThanFrame',
        () => aSession(deps(), { callers: [plain.id], perCaller: 50, supervisorId: supervisor.id }),
      ],
      [
        'sessions.error.stratumTooSmall',
        () =>
          aSession(deps(), {
            callers: [plain.id],
            perCaller: 10,
            design: 'equal',
            supervisorId: supervisor.id,
          }),
      ],
      ['sessions.error.noCallers', () => aSession(deps(), { callers: [], supervisorId: supervisor.id })],
      [
        'sessions.error.callersOnlyConflictedFrame',
        () =>
          aSession(deps(), {
            callers: [revenueOfficer.id, plain.id],
            perCaller: 1,
            departments: ['revenue'],
            supervisorId: supervisor.id,
          }),
      ],
      [
        'sessions.error.nothingDisposedInRange',
        () =>
          aSession(deps(), {
            callers: [plain.id],
            disposedFrom: '2001-01-01',
            disposedTo: '2001-01-31',
            supervisorId: supervisor.id,
          }),
      ],
      [
        'sessions.error.frameEmpty',
        () =>
          aSession(deps(), {
            callers: [plain.id],
            departments: ['fisheries'],
            supervisorId: supervisor.id,
          }),
      ],
      [
        'sessions.error.nothingDisposedInDistrict',
        () =>
          new SessionsService(deps()).createSession(
            stateSupervisor,
            newSessionInput.parse({
              title: 'लखनऊ',
              districtId: lucknow,
              sessionDate: '2026-12-02',
              mode: 'pool',
              total: 5,
              disposedFrom: '2026-11-01',
              disposedTo: '2026-11-15',
            }),
          ),
      ],
    ];
    for (const [key, run] of cases) {
      expect((await refusal(run)).key, key).to.equal(key);
    }
    const after = await rowCounts(t.db);
    expect({ ...after, audit: after.audit - 4 }).to.deep.equal(before); // only the four users were audited

    // The messages say what to change: the dates given, and when the latest disposal was.
    const dates = await refusal(cases.find(([key]) => key === 'sessions.error.nothingDisposedInRange')![1]);
    expect(message('en', dates.key, dates.params)).to.equal(
      `Nothing was disposed in this district between 2001-01-01 and 2001-01-31. Choose other disposal dates: the latest disposal here was on ${DateTime.utc().minus({ days: 5 }).setZone('Asia/Kolkata').toISODate()}.`,
    );
  });

  it('rolls the whole draw back when the allocation is impossible, and refuses a re-draw once calls started', async () => {
    await aFrame(t.db, 20, '4002');
    const officer = await aUser(t.db, { role: 'session_officer', department: null });
    const sessionId = await aSession(deps(), {
      callers: [officer.id],
      perCaller: 3,
      departments: ['police'],
    });
    // After planning, the officer is made responsible for police: every sampled complaint is now conflicted.
    await t
      .db('users')
      .where({ id: officer.id })
      .update({ department_id: (await t.db('departments').where({ code: 'police' }).first('id')).id });
    const before = await rowCounts(t.db);
    const err = await refusal(() => drawSample(deps(), null, sessionId));
    expect(err.key).to.match(/^sessions\.error\.(departmentAllConflicted|callersOnlyConflicted)$/);
    expect(await rowCounts(t.db)).to.deep.equal(before);

    await t.db('users').where({ id: officer.id }).update({ department_id: null });
    await drawSample(deps(), null, sessionId);
    await t.db('call_tasks').where({ session_id: sessionId }).limit(1).update({ status: 'claimed' });
    expect((await refusal(() => drawSample(deps(), null, sessionId))).key).to.equal(
      'sessions.error.callsStarted',
    );
  });

  it('moves a queued task between callers, logs it, and refuses a conflicted move', async () => {
    await aFrame(t.db, 24);
    const a = await aUser(t.db, { role: 'caller' });
    const b = await aUser(t.db, { role: 'session_officer', department: 'revenue' });
    const sessionId = await aSession(deps(), { callers: [a.id, b.id], perCaller: 3 });
    await drawSample(deps(), null, sessionId);
    const supervisor = await aSupervisor(t.db);
    const tasks = (await t
      .db('call_tasks as t')
      .join('complaints as c', 'c.id', 't.complaint_id')
      .join('departments as d', 'd.id', 'c.department_id')
      .where({ 't.session_id': sessionId, 't.assigned_user_id': a.id })
      .select('t.id', { department: 'd.code' })) as Array<{ id: number; department: string }>;
    const movable = tasks.find((task) => task.department !== 'revenue')!;
    await moveTask(deps(), supervisor, movable.id, b.id, () => true);
    expect((await t.db('call_tasks').where({ id: movable.id }).first()).assigned_user_id).to.equal(b.id);
    expect(await t.db('audit_log').where({ action: 'task.moved' }).pluck('entity_id')).to.deep.equal([
      String(movable.id),
    ]);
    const revenueTask = (await t
      .db('call_tasks as t')
      .join('complaints as c', 'c.id', 't.complaint_id')
      .join('departments as d', 'd.id', 'c.department_id')
      .where({ 't.session_id': sessionId, 'd.code': 'revenue' })
      .first('t.id')) as { id: number } | undefined;
    if (revenueTask) {
      const err = await refusal(() => moveTask(deps(), supervisor, revenueTask.id, b.id, () => true));
      expect(err.key).to.be.oneOf(['sessions.error.moveConflicted']);
    }
  });

  it('replaces an unreachable complaint with the reserves of its pool, in rank order, until they run out', async () => {
    await aFrame(t.db, 40);
    const sessionId = await aSession(deps(), { mode: 'pool', total: 8, design: 'proportional' });
    const outcome = await drawSample(deps(), null, sessionId);
    const task = (await t
      .db('call_tasks as t')
      .join('sample_selections as s', 's.id', 't.selection_id')
      .where('t.session_id', sessionId)
      .orderBy('t.id')
      .first('t.id', 's.stratum', 't.assigned_user_id')) as {
      id: number;
      stratum: string;
      assigned_user_id: number | null;
    };
    expect(task.assigned_user_id).to.equal(null);
    const reserves = (await t
      .db('sample_selections')
      .where({ draw_id: outcome.drawId, stratum: task.stratum, is_reserve: true })
      .orderBy('rank_in_stratum')
      .pluck('id')) as number[];
    let current = task.id;
    const taken: number[] = [];
    for (let i = 0; i < reserves.length; i++) {
      const next = await t.db.transaction((trx) => replaceFromReserve(trx, current, clock));
      expect(next).to.be.a('number');
      expect((await t.db('call_tasks').where({ id: current }).first()).status).to.equal('replaced');
      taken.push((await t.db('call_tasks').where({ id: next! }).first()).selection_id);
      current = next!;
    }
    expect(taken).to.deep.equal(reserves);
    expect(await t.db.transaction((trx) => replaceFromReserve(trx, current, clock))).to.equal(null);
    expect((await t.db('call_tasks').where({ id: current }).first()).status).to.equal('queued');
  });
});
