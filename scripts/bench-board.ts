// Benchmark: latency from an outcome POST to 200 live boards receiving it, on one process and two (Redis), beside bare socket.io.
// Usage: npm run bench:board [-- --seconds 60 --boards 200 --rate 50]
// Needs MariaDB (BENCH_DATABASE_URL, default mysql://root@127.0.0.1:3306/bench_board; the database is recreated)
// and Redis (REDIS_URL, default redis://127.0.0.1:6379).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import { Server as SocketServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { parseDatabaseUrl, projectRoot } from '../server/config.js';
import { createDb } from '../server/db/knex.js';
import { migrateLatest } from '../server/db/migrate.js';
import { AuditLog } from '../server/features/audit/audit-log.js';
import { AuthService } from '../server/features/auth/auth.service.js';
import { ensureMasterData } from '../server/features/complaints/master-data.repository.js';
import { nowDb, systemClock } from '../server/shared/dates.js';
import { HttpCaller, type Proc, productServer, spawnServer, stop } from './bench-lib.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    boards: { type: 'string', default: '200' },
    rate: { type: 'string', default: '50' },
    callers: { type: 'string', default: '150' },
    'bare-server': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const BOARDS = Number(args.boards);
const RATE = Number(args.rate);
const CALLERS = Number(args.callers);
const POSTS = Math.round(SECONDS * RATE);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/bench_board';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'bench-password-1';

// --- processes -------------------------------------------------------------------------------------------
const productServerFor = (redis: boolean) =>
  productServer(DATABASE_URL, {
    REDIS_URL: redis ? REDIS_URL : '',
    SESSION_SECRET: 'bench-board-session-secret',
  });

// --- data ------------------------------------------------------------------------------------------------
async function freshDatabase(): Promise<Knex> {
  const config = parseDatabaseUrl(DATABASE_URL, '');
  if (config.client !== 'mysql') throw new Error('bench:board needs MariaDB/MySQL: two processes share it');
  const server = new URL(config.url);
  server.pathname = '/';
  const admin = knexFactory({
    client: 'mysql2',
    connection: { uri: server.toString() } as Knex.MySql2ConnectionConfig,
  });
  await admin.raw(`DROP DATABASE IF EXISTS \`${config.database}\``);
  await admin.raw(`CREATE DATABASE \`${config.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();
  const db = createDb(config);
  await migrateLatest(db);
  await ensureMasterData(db);
  // Calls all day: the benchmark may run at any hour.
  await db('settings')
    .insert({
      key: 'calls.queue',
      value: JSON.stringify({ callingHours: { start: '00:00', end: '24:00' } }),
      updated_at: nowDb(),
    })
    .onConflict('key')
    .merge();
  return db;
}

interface Scenario {
  sessionId: number;
  callers: string[];
}

/** A pool session with its callers and as many queued tasks (each its own complaint) as the run will post. */
async function aSession(db: Knex, auth: AuthService, label: string, tasks: number): Promise<Scenario> {
  const district = (await db('districts').where({ code: 'kanpur-nagar' }).first('id')) as { id: number };
  const departments = (await db('departments').pluck('id')) as number[];
  const now = nowDb();
  const callers: string[] = [];
  const callerIds: number[] = [];
  for (let i = 0; i < CALLERS; i++) {
    const username = `${label}-caller-${i}`;
    callerIds.push(
      await auth.createUser(null, {
        username,
        displayName: `कॉलर ${label} ${i}`,
        password: PASSWORD,
        role: 'caller',
        districtIds: [district.id],
      }),
    );
    callers.push(username);
  }
  const [sessionId] = await db('feedback_sessions').insert({
    title: `बेंचमार्क ${label}`,
    district_id: district.id,
    session_date: now.slice(0, 10),
    mode: 'pool',
    total: tasks,
    frame_filter: '{}',
    design: '{}',
    status: 'active',
    created_at: now,
    updated_at: now,
  });
  await db('session_callers').insert(callerIds.map((user_id) => ({ session_id: sessionId, user_id })));
  for (let start = 0; start < tasks; start += 500) {
    const n = Math.min(500, tasks - start);
    const complaints = Array.from({ length: n }, (_, k) => ({
      reference_no: `B${label}${String(start + k).padStart(9, '0')}`,
      source: 'IGRS Portal',
      disposed_at: now,
      complainant_name: 'राम प्रसाद',
      mobile: `+9170${String(start + k).padStart(8, '0')}`,
      district_id: district.id,
      department_id: departments[(start + k) % departments.length],
      subject: 'भूमि पर अवैध कब्जा',
      status: 'disposed',
      redisposed: false,
      created_at: now,
      updated_at: now,
    }));
    await db('complaints').insert(complaints);
    const ids = (await db('complaints')
      .whereIn(
        'reference_no',
        complaints.map((c) => c.reference_no),
      )
      .pluck('id')) as number[];
    await db('call_tasks').insert(
      ids.map((complaint_id) => ({
        session_id: sessionId,
        complaint_id,
        status: 'queued',
        due_at: now,
        attempts: 0,
        created_at: now,
        updated_at: now,
      })),
    );
  }
  return { sessionId: sessionId as number, callers };
}

// --- clients ---------------------------------------------------------------------------------------------
type Received = (taskId: number, at: number) => void;

async function boards(urls: string[], cookie: string, join: unknown, onEvent: Received): Promise<Socket[]> {
  const sockets = await Promise.all(
    Array.from({ length: BOARDS }, (_, i) => {
      const base = urls[i % urls.length]!;
      const nsp = join ? '/board' : '';
      const s = connect(base + nsp, { transports: ['websocket'], extraHeaders: { cookie }, forceNew: true });
      return new Promise<Socket>((resolve, reject) => {
        s.once('connect', () => resolve(s));
        s.once('connect_error', reject);
      });
    }),
  );
  for (const s of sockets) {
    s.on('board:event', (events: Array<{ name?: string; payload: { taskId: number } }>) => {
      const at = performance.now();
      for (const e of events)
        if (e.name === undefined || e.name === 'outcome:recorded') onEvent(e.payload.taskId, at);
    });
    if (join) {
      const reply = (await s.timeout(30_000).emitWithAck('board:join', join)) as { error?: { key: string } };
      if (reply.error) throw new Error(`board join refused: ${reply.error.key}`);
    }
  }
  return sockets;
}

// --- measuring -------------------------------------------------------------------------------------------
interface Result {
  name: string;
  posts: number;
  failed: number;
  expected: number;
  received: number;
  p50: number;
  p95: number;
  p99: number;
  /** How long the POST itself took to answer: the part of the latency spent before the board gets the event. */
  postP50: number;
  postP95: number;
  eventBytes: number;
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

/** Fires `post(i)` RATE times a second for SECONDS; `post` resolves to the task id it made known to boards. */
async function paced(
  name: string,
  setup: (onEvent: Received) => Promise<{ post: (i: number) => Promise<void>; sockets: Socket[] }>,
  starts: Map<number, number>,
  eventBytes: () => number,
  postTimes: number[] = [],
): Promise<Result> {
  const latencies: number[] = [];
  let received = 0;
  const { post, sockets } = await setup((taskId, at) => {
    const t0 = starts.get(taskId);
    if (t0 === undefined) return;
    received++;
    latencies.push(at - t0);
  });
  let failed = 0;
  const inflight: Array<Promise<void>> = [];
  const begin = performance.now();
  for (let i = 0; i < POSTS; i++) {
    const due = begin + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      post(i).catch((err: Error) => {
        if (failed++ === 0) console.error(`${name}: first failed post: ${err.message}`);
      }),
    );
  }
  await Promise.all(inflight);
  // Let the last events land.
  const expected = (POSTS - failed) * BOARDS;
  for (let waited = 0; received < expected && waited < 5000; waited += 100)
    await new Promise((r) => setTimeout(r, 100));
  for (const s of sockets) s.close();
  latencies.sort((a, b) => a - b);
  return {
    name,
    posts: POSTS,
    failed,
    expected,
    received,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    p99: pct(latencies, 99),
    postP50: pct(
      postTimes.sort((a, b) => a - b),
      50,
    ),
    postP95: pct(postTimes, 95),
    eventBytes: eventBytes(),
  };
}

/** Product run: callers claim (not timed) then POST the outcome (timed from here to each board). */
async function productRun(
  name: string,
  procs: Proc[],
  scenario: Scenario,
  sample: { bytes: number },
): Promise<Result> {
  const urls = procs.map((p) => p.url);
  const supervisor = await new HttpCaller(urls[0]!).signIn('bench-supervisor', PASSWORD);
  const callers = await Promise.all(
    scenario.callers.map((u, i) => new HttpCaller(urls[i % urls.length]!).signIn(u, PASSWORD)),
  );
  const free = [...callers];
  const starts = new Map<number, number>();
  const postTimes: number[] = [];
  return paced(
    name,
    async (onEvent) => {
      const sockets = await boards(urls, supervisor.cookie, { sessionId: scenario.sessionId }, onEvent);
      // The reference broadcasts frames of the size the product sends with an outcome.
      sockets[0]!.on('board:event', (events: Array<{ name: string }>) => {
        if (!sample.bytes && events.some((e) => e.name === 'outcome:recorded'))
          sample.bytes = Buffer.byteLength(JSON.stringify(events));
      });
      const post = async (i: number) => {
        const caller = free.shift();
        if (!caller) throw new Error('all callers busy');
        try {
          const claim = await caller.request('POST', '/api/calls/next', '{}');
          const task = (JSON.parse(claim.text) as { data?: { task?: { id: number } } }).data?.task;
          if (!task) throw new Error(`no task: ${claim.text}`);
          const body = JSON.stringify({
            idempotencyKey: `bench-${name}-${i}-${task.id}`,
            disposition: 'complete',
            verdict: i % 3 ? 'satisfied' : 'unsatisfied',
          });
          starts.set(task.id, performance.now());
          const r = await caller.request('POST', `/api/tasks/${task.id}/outcome`, body);
          postTimes.push(performance.now() - starts.get(task.id)!);
          if (r.status !== 201) throw new Error(`outcome ${r.status}: ${r.text}`);
        } finally {
          free.push(caller);
        }
      };
      return { post, sockets };
    },
    starts,
    () => sample.bytes,
    postTimes,
  );
}

/** Reference run: the same pace and event size, POST to a bare socket.io server that broadcasts it. */
async function bareRun(bare: Proc, bytes: number): Promise<Result> {
  const starts = new Map<number, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return paced(
    'bare socket.io (reference)',
    async (onEvent) => {
      const sockets = await boards([bare.url], '', null, onEvent);
      const post = (i: number) =>
        new Promise<void>((resolve, reject) => {
          const body = JSON.stringify({ payload: { taskId: i, pad: '' } });
          const padded = JSON.stringify({
            payload: { taskId: i, pad: 'x'.repeat(Math.max(0, bytes - body.length)) },
          });
          starts.set(i, performance.now());
          const req = http.request(
            `${bare.url}/emit`,
            { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
            (res) => {
              res.resume();
              res.on('end', () =>
                res.statusCode === 201 ? resolve() : reject(new Error(String(res.statusCode))),
              );
            },
          );
          req.on('error', reject);
          req.end(padded);
        });
      return { post, sockets };
    },
    starts,
    () => bytes,
  );
}

async function main(): Promise<void> {
  console.log(
    `bench:board — ${BOARDS} boards, ${RATE} outcomes/s for ${SECONDS} s (${POSTS} posts per run), load ${fsLoad()}`,
  );
  const db = await freshDatabase();
  const auth = new AuthService(db, new AuditLog(systemClock), systemClock);
  await auth.createUser(null, {
    username: 'bench-supervisor',
    displayName: 'पर्यवेक्षक',
    password: PASSWORD,
    role: 'supervisor',
    districtIds: 'all',
  });
  const one = await aSession(db, auth, 'one', POSTS + 50);
  const two = await aSession(db, auth, 'two', POSTS + 50);
  await db.destroy();

  const sample = { bytes: 0 };
  const results: Result[] = [];

  const single = await productServerFor(false);
  results.push(await productRun('product, 1 process', [single], one, sample));
  await stop(single);

  const pair = await Promise.all([productServerFor(true), productServerFor(true)]);
  results.push(await productRun('product, 2 processes + Redis', pair, two, sample));
  await Promise.all(pair.map(stop));

  const bare = await spawnServer([path.join('scripts', 'bench-board.ts'), '--bare-server'], {});
  results.unshift(await bareRun(bare, sample.bytes || 700));
  await stop(bare);

  const ref = results[0]!.p95;
  const rows = results.map((r) => ({
    run: r.name,
    'posts (failed)': `${r.posts} (${r.failed})`,
    'deliveries received/expected': `${r.received}/${r.expected}`,
    'p50 ms': r.p50.toFixed(1),
    'p95 ms': r.p95.toFixed(1),
    'p99 ms': r.p99.toFixed(1),
    'p95 ÷ bare p95': (r.p95 / ref).toFixed(2),
    'POST answer p50 / p95 ms': Number.isNaN(r.postP50)
      ? '–'
      : `${r.postP50.toFixed(1)} / ${r.postP95.toFixed(1)}`,
    'event bytes': r.eventBytes,
  }));
  console.table(rows);
  console.log(
    'Latency: from the POST leaving the client to each board socket receiving the event. Target: p95 ≤ 3× bare.',
  );
  const dir = path.join(projectRoot, 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'board.json'),
    JSON.stringify(
      { at: new Date().toISOString(), seconds: SECONDS, boards: BOARDS, rate: RATE, results },
      null,
      2,
    ),
  );
  process.exit(0);
}

function fsLoad(): string {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

// --- the reference: bare socket.io, a POST makes it broadcast the body to every socket -----------------------
function serveBare(): void {
  const server = http.createServer();
  const io = new SocketServer(server, { transports: ['websocket'] });
  server.on('request', (req, res) => {
    if (req.method !== 'POST' || req.url !== '/emit') return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      io.emit('board:event', [JSON.parse(Buffer.concat(chunks).toString())]);
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"data":true}');
    });
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(`serving at http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

if (args['bare-server']) serveBare();
else await main();
