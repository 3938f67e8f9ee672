import { expect } from 'chai';
import { TestClient } from '../../helpers/app.js';
import { aUser, departmentId } from '../../helpers/builders.js';
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

  it('an outcome recorded through process A reaches a board socket connected to process B', async () => {
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const session = await aBoardSession(t.db);
    const task = await aBoardTask(t.db, { sessionId: session.id });

    const onB = await new TestClient(b.url).signIn(supervisor.username, supervisor.password);
    socket = await connectBoard(b.url, cookieOf(onB));
    const joined = await joinBoard(socket, { sessionId: session.id });
    if (!('data' in joined)) throw new Error(joined.error.message);

    const arriving = nextBoardEvent(socket, (e) => e.name === 'outcome:recorded');
    a.child.send({
      emit: 'outcome:recorded',
      payload: {
        outcomeId: 1,
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
      },
    });
    const event = await arriving;
    expect(event).to.include({ room: `session:${session.id}`, seq: joined.data.seq + 1 });
    if (event.name !== 'outcome:recorded') throw new Error('wrong event');
    expect(event.payload.referenceNo).to.equal(task.referenceNo);
  });
});
