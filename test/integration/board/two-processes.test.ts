import { expect } from 'chai';
import { TestClient } from '../../helpers/app.js';
import { nowDb } from '../../../server/shared/dates.js';
import { aUser } from '../../helpers/builders.js';
import { aBoardSession, aBoardTask } from '../../helpers/builders-board.js';
import {
  type BoardClientSocket,
  connectBoard,
  cookieOf,
  joinBoard,
  nextBoardEvent,
} from '../../helpers/board-client.js';
import { testDatabaseConfig, useTestDb } from '../../helpers/db.js';
import { type ServerProcess, startServerProcess } from '../../helpers/server-process.js';

// SQLite is one file owned by one process: two server processes can only share MariaDB/MySQL.
const onMysql = process.env.TEST_DATABASE_URL?.startsWith('mysql') ?? false;
const describeOnMysql = onMysql ? describe : describe.skip;

describeOnMysql('board across two server processes (MariaDB + Redis; skipped on SQLite)', function () {
  this.timeout(60_000);
  const t = useTestDb();
  let a: ServerProcess;
  let b: ServerProcess;
  let socket: BoardClientSocket | null = null;

  before(async () => {
    const env = {
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      SESSION_SECRET: 'two-processes-share-this-secret',
    };
    expect(testDatabaseConfig().client).to.equal('mysql');
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });
  after(async () => {
    socket?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("an outcome recorded through process A's endpoint reaches a board socket connected to process B", async () => {
    // Calls all day: the test may run outside the default calling hours.
    await t.db('settings').insert({
      key: 'calls.queue',
      value: JSON.stringify({ callingHours: { start: '00:00', end: '24:00' } }),
      updated_at: nowDb(),
    });
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const caller = await aUser(t.db, { role: 'caller' });
    const session = await aBoardSession(t.db, { callers: [caller.id] });
    const task = await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });

    const onB = await new TestClient(b.url).signIn(supervisor.username, supervisor.password);
    socket = await connectBoard(b.url, cookieOf(onB));
    const joined = await joinBoard(socket, { sessionId: session.id });
    if (!('data' in joined)) throw new Error(joined.error.message);

    const onA = await new TestClient(a.url).signIn(caller.username, caller.password);
    const claim = await onA.post('/api/calls/next');
    expect(claim.json().data.task?.id, claim.text).to.equal(task.id);
    const arriving = nextBoardEvent(socket, (e) => e.name === 'outcome:recorded');
    const recorded = await onA.post(`/api/tasks/${task.id}/outcome`, {
      idempotencyKey: `two-processes-${task.id}`,
      disposition: 'complete',
      verdict: 'satisfied',
    });
    expect(recorded.status, recorded.text).to.equal(201);

    const event = await arriving;
    expect(event.room).to.equal(`session:${session.id}`);
    expect(event.seq).to.be.greaterThan(joined.data.seq);
    if (event.name !== 'outcome:recorded') throw new Error('wrong event');
    expect(event.payload).to.include({
      referenceNo: task.referenceNo,
      verdict: 'satisfied',
      userId: caller.id,
    });
    expect(event.payload.outcomeId).to.equal(recorded.json().data.outcomeId);
  });
});
