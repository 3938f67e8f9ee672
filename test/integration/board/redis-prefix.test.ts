// Two deployments on one Redis: each board's keys and socket.io channels carry REDIS_PREFIX, so neither sees the other.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createClient, type RedisClientType } from 'redis';
import type { BoardEvent } from '../../../server/features/board/board.events.js';
import type { RunningServer } from '../../../server/http-server.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aUser } from '../../helpers/builders.js';
import { aBoardSession, aBoardTask } from '../../helpers/builders-board.js';
import {
  type BoardClientSocket,
  connectBoard,
  cookieOf,
  joinBoard,
  nextBoardEvent,
} from '../../helpers/board-client.js';
import { useTestDb } from '../../helpers/db.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Redis keys and channels under a per-deployment prefix (REDIS_PREFIX)', function () {
  this.timeout(60_000);
  const t = useTestDb();
  // Prefixes of this run only, so nothing else on the shared Redis is touched or read.
  const run = `test-ui-${randomBytes(4).toString('hex')}`;
  const first = `${run}-a`;
  const second = `${run}-b`;
  let redis: RedisClientType;
  const servers: RunningServer[] = [];
  const sockets: BoardClientSocket[] = [];

  before(async function () {
    redis = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false } }) as RedisClientType;
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } catch (err) {
      // CI always has Redis; elsewhere a missing Redis skips this test and says why.
      if (process.env.CI) throw err;
      console.warn(`      (skipped: no Redis at ${REDIS_URL})`);
      this.skip();
    }
  });
  after(async () => {
    if (!redis?.isOpen) return;
    for await (const keys of redis.scanIterator({ MATCH: `${run}-*`, COUNT: 100 }))
      if (keys.length) await redis.del(keys);
    await redis.quit();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const s of servers.splice(0)) await s.close();
  });

  const serve = async (prefix: string) => {
    // Inside calling hours, on a clock of the test's own (a stored calling-hours setting would outlive the test in
    // the queue's settings cache).
    const server = await startTestServer(
      testDeps(t.db, {
        clock: fixedClock('2026-11-23T11:00:00+05:30'),
        config: { redisUrl: REDIS_URL, redisPrefix: prefix },
      }),
    );
    servers.push(server);
    return server;
  };

  /** A supervisor's board on `server`, joined to the session, with every event it receives kept in order. */
  async function aBoard(
    server: RunningServer,
    supervisor: { username: string; password: string },
    sessionId: number,
  ) {
    const client = await new TestClient(server.url).signIn(supervisor.username, supervisor.password);
    const socket = await connectBoard(server.url, cookieOf(client));
    sockets.push(socket);
    const received: BoardEvent[] = [];
    socket.on('board:event', (events) =>
      received.push(...events.filter((e) => e.room === `session:${sessionId}`)),
    );
    const joined = await joinBoard(socket, { sessionId });
    if (!('data' in joined)) throw new Error(joined.error.message);
    return { socket, received, joinedSeq: joined.data.seq };
  }

  async function recordThrough(
    server: RunningServer,
    caller: { username: string; password: string },
    taskId: number,
  ) {
    const client = await new TestClient(server.url).signIn(caller.username, caller.password);
    const claim = await client.post('/api/calls/next');
    expect(claim.json().data.task?.id, claim.text).to.equal(taskId);
    const res = await client.post(`/api/tasks/${taskId}/outcome`, {
      idempotencyKey: `redis-prefix-${run}-${taskId}`,
      disposition: 'complete',
      verdict: 'satisfied',
    });
    expect(res.status, res.text).to.equal(201);
  }

  it('keeps two deployments on one Redis apart: events, sequence numbers and keys', async () => {
    const supervisor = await aUser(t.db, { role: 'supervisor' });
    const caller = await aUser(t.db, { role: 'caller' });
    const session = await aBoardSession(t.db, { callers: [caller.id] });
    const taskA = await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });
    const taskB = await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });
    await t.db('call_tasks').where({ id: taskB.id }).update({ priority: -1 }); // taskA is claimed first

    // Deployment one: processes a1 and a2; deployment two: b1 and b2. All four share the database and Redis.
    const [a1, a2, b1, b2] = [
      await serve(first),
      await serve(first),
      await serve(second),
      await serve(second),
    ];
    const boardA = await aBoard(a2, supervisor, session.id);
    const boardB = await aBoard(b1, supervisor, session.id);
    expect([boardA.joinedSeq, boardB.joinedSeq]).to.deep.equal([0, 0]);

    // Same prefix: what a1 records reaches the board on a2, through Redis.
    const reachedA = nextBoardEvent(boardA.socket, (e) => e.name === 'outcome:recorded');
    await recordThrough(a1, caller, taskA.id);
    const seenOnA = await reachedA;
    expect(seenOnA.payload).to.include({ taskId: taskA.id });

    // a1's message has now been through Redis. b2 publishes after it: had b1 listened on the first prefix's
    // channels, a1's events would have come down the same subscription before b2's.
    const reachedB = nextBoardEvent(boardB.socket, (e) => e.name === 'outcome:recorded');
    await recordThrough(b2, caller, taskB.id);
    expect((await reachedB).payload).to.include({ taskId: taskB.id });

    const aboutTask = (events: BoardEvent[], taskId: number) =>
      events.filter((e) => (e.payload as { taskId?: number }).taskId === taskId);
    expect(
      aboutTask(boardB.received, taskA.id),
      'the second deployment saw the first one’s task',
    ).to.deep.equal([]);
    expect(
      aboutTask(boardA.received, taskB.id),
      'the first deployment saw the second one’s task',
    ).to.deep.equal([]);
    // Each deployment numbers the room from 1 on its own: the other's events took none of its numbers.
    const seqs = (events: BoardEvent[]) => events.map((e) => e.seq);
    const oneToN = (events: BoardEvent[]) => events.map((_e, i) => i + 1);
    expect(seqs(boardB.received)).to.deep.equal(oneToN(boardB.received));
    expect(seqs(boardA.received)).to.deep.equal(oneToN(boardA.received));

    // In Redis: each deployment's numbers and states under its own prefix. (Whether an unprefixed key exists says
    // nothing here: other deployments on this Redis may use those.)
    const room = `session:${session.id}`;
    expect(Number(await redis.get(`${first}:board:seq:${room}`))).to.equal(boardA.received.at(-1)!.seq);
    expect(Number(await redis.get(`${second}:board:seq:${room}`))).to.equal(boardB.received.at(-1)!.seq);
    expect(await redis.hGetAll(`${first}:board:caller-states`)).to.have.property(
      `${session.id}:${caller.id}`,
    );
    expect(await redis.hGetAll(`${second}:board:caller-states`)).to.have.property(
      `${session.id}:${caller.id}`,
    );
    // The adapter's request channel is a plain subscription (its event channels are patterns, not listed here).
    expect(await redis.pubSubChannels(`${run}-*`)).to.include.members([
      `${first}:socket.io-request#/board#`,
      `${second}:socket.io-request#/board#`,
    ]);
  });
});
