import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import type { AppDeps } from '../../../server/deps.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aUser, departmentId } from '../../helpers/builders.js';
import { aBoardSession, aBoardTask, anOutcome } from '../../helpers/builders-board.js';
import {
  type BoardClientSocket,
  connectBoard,
  cookieOf,
  joinBoard,
  nextBoardEvent,
} from '../../helpers/board-client.js';
import { useTestDb } from '../../helpers/db.js';

describe('board sockets', () => {
  const t = useTestDb();
  let server: RunningServer;
  let deps: AppDeps;
  const sockets: BoardClientSocket[] = [];

  beforeEach(async () => {
    // With TEST_REDIS_URL (CI on MariaDB) the same tests run through the Redis adapter and the shared sequence.
    deps = testDeps(t.db, { config: { redisUrl: process.env.TEST_REDIS_URL } });
    server = await startTestServer(deps);
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await server.close();
  });

  async function boardAs(spec: Parameters<typeof aUser>[1]): Promise<BoardClientSocket> {
    const u = await aUser(t.db, spec);
    const client = await new TestClient(server.url).signIn(u.username, u.password);
    const socket = await connectBoard(server.url, cookieOf(client));
    sockets.push(socket);
    return socket;
  }

  it('gives a supervisor who joins a session the snapshot, with counts from the database', async () => {
    const caller = await aUser(t.db, { role: 'caller', displayName: 'सीता देवी' });
    const session = await aBoardSession(t.db, { callers: [caller.id] });
    const done = await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });
    await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });
    await anOutcome(t.db, { taskId: done.id, userId: caller.id, verdict: 'unsatisfied' });

    const socket = await boardAs({ role: 'supervisor' });
    const reply = await joinBoard(socket, { sessionId: session.id });
    if (!('data' in reply)) throw new Error(reply.error.message);
    const snap = reply.data;
    expect(snap.room).to.equal(`session:${session.id}`);
    expect(snap.counts).to.include({ sampled: 2, called: 1, unsatisfied: 1, satisfied: 0, remaining: 1 });
    expect(snap.callers).to.have.length(1);
    expect(snap.callers[0]).to.include({ name: 'सीता देवी', done: 1, total: 2 });
    expect(snap.callers[0]!.lastOutcome?.verdict).to.equal('unsatisfied');
    expect(snap.feed.map((f) => f.referenceNo)).to.deep.equal([done.referenceNo]);
    expect(snap.departments[0]).to.include({ done: 1, unsatisfied: 1 });
  });

  it("refuses a caller's join of a supervisor's board", async () => {
    const session = await aBoardSession(t.db);
    const socket = await boardAs({ role: 'caller' });
    const reply = await joinBoard(socket, { sessionId: session.id });
    expect(reply).to.have.property('error');
    if ('error' in reply) expect(reply.error.key).to.equal('board.error.forbidden');
  });

  it('keeps a district supervisor out of another district, and out of the statewide board', async () => {
    const elsewhere = await aBoardSession(t.db, { district: 'lucknow' });
    const socket = await boardAs({ role: 'supervisor', districts: ['kanpur-nagar'] });
    const bySession = await joinBoard(socket, { sessionId: elsewhere.id });
    const byDistrict = await joinBoard(socket, { districtId: elsewhere.districtId });
    const state = await joinBoard(socket, {});
    for (const reply of [bySession, byDistrict, state]) {
      expect(reply).to.have.property('error');
      if ('error' in reply) expect(reply.error.key).to.equal('board.error.outOfScope');
    }
  });

  it('refuses a socket without a sign-in', async () => {
    let refusal: Error | null = null;
    await connectBoard(server.url, '').catch((err: Error) => (refusal = err));
    expect(refusal!.message).to.equal('board.error.signInRequired');
  });

  it("relays 'outcome:recorded' to the session's and district's rooms numbered one past the snapshot", async () => {
    const session = await aBoardSession(t.db);
    const task = await aBoardTask(t.db, { sessionId: session.id });
    const bySession = await boardAs({ role: 'supervisor' });
    const byDistrict = await boardAs({ role: 'viewer' });
    const other = await boardAs({ role: 'supervisor', districts: ['lucknow'] });
    const a = await joinBoard(bySession, { sessionId: session.id });
    const b = await joinBoard(byDistrict, { districtId: session.districtId });
    const lucknow = await aBoardSession(t.db, { district: 'lucknow' });
    await joinBoard(other, { sessionId: lucknow.id });
    if (!('data' in a) || !('data' in b)) throw new Error('join refused');

    let strayEvent = false;
    other.on('board:event', () => (strayEvent = true));
    const arriving = [nextBoardEvent(bySession), nextBoardEvent(byDistrict)];
    deps.events.emit('outcome:recorded', {
      outcomeId: 99,
      taskId: task.id,
      sessionId: session.id,
      districtId: session.districtId,
      complaintId: task.complaintId,
      referenceNo: task.referenceNo,
      departmentId: await departmentId(t.db, 'revenue'),
      userId: null,
      verdict: 'satisfied',
      disposition: 'complete',
      at: new Date().toISOString(),
    });
    const [e1, e2] = await Promise.all(arriving);
    expect(e1).to.include({ name: 'outcome:recorded', room: `session:${session.id}`, seq: a.data.seq + 1 });
    expect(e2).to.include({ room: `district:${session.districtId}`, seq: b.data.seq + 1 });
    if (e1.name !== 'outcome:recorded') throw new Error('wrong event');
    expect(e1.payload.department.en).to.equal('Revenue');
    expect(e1.payload.referenceNo).to.equal(task.referenceNo);
    // A later snapshot carries the number the event took, so a board that rejoins continues from there.
    const again = await joinBoard(bySession, { sessionId: session.id });
    if ('data' in again) expect(again.data.seq).to.equal(e1.seq);
    expect(strayEvent).to.equal(false);
  });

  it('serves the same snapshot over HTTP, scope-checked', async () => {
    const session = await aBoardSession(t.db, { district: 'lucknow' });
    const u = await aUser(t.db, { role: 'supervisor', districts: ['kanpur-nagar'] });
    const client = await new TestClient(server.url).signIn(u.username, u.password);
    const refused = await client.get(`/api/board/snapshot?session=${session.id}`);
    expect(refused.status).to.equal(403);
    const admin = await aUser(t.db, { role: 'admin', districts: 'all' });
    const adminClient = await new TestClient(server.url).signIn(admin.username, admin.password);
    const ok = await adminClient.get(`/api/board/snapshot?session=${session.id}`);
    expect(ok.status).to.equal(200);
    expect(ok.json().data.room).to.equal(`session:${session.id}`);
    const page = await adminClient.getPage(`/board?session=${session.id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('/static/js/board.js');
  });
});
