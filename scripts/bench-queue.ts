// Benchmark: claim-and-complete throughput and latency of the call queue, over HTTP beside direct knex workers.
// Usage: npm run bench:queue [-- --seconds 60 --callers 200 --sqlite-callers 20]
// Needs MariaDB (BENCH_DATABASE_URL, default mysql://root@127.0.0.1:3306/bench_queue; its tables are emptied).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import { parseDatabaseUrl, type DatabaseConfig } from '../server/config.js';
import { createDb } from '../server/db/knex.js';
import { migrateLatest } from '../server/db/migrate.js';
import { AuditLog } from '../server/features/audit/audit-log.js';
import { hashPassword } from '../server/features/auth/passwords.js';
import { CallQueue } from '../server/features/calls/call-queue.service.js';
import { OutcomesService } from '../server/features/calls/outcomes.service.js';
import { ensureMasterData } from '../server/features/complaints/master-data.repository.js';
import { nowDb, systemClock } from '../server/shared/dates.js';
import { EventBus } from '../server/shared/events.js';
import { putSetting } from '../server/shared/settings.js';
import { cpuMs, HttpCaller, productServer, stop } from './bench-lib.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    callers: { type: 'string', default: '200' },
    'sqlite-callers': { type: 'string', default: '20' },
    'cycle-ms': { type: 'string', default: '2000' },
    /** Which runs, comma-separated: direct, http, realistic, sqlite (all by default). */
    runs: { type: 'string', default: 'direct,http,realistic,sqlite' },
  },
});
const SECONDS = Number(args.seconds);
const CALLERS = Number(args.callers);
const SQLITE_CALLERS = Number(args['sqlite-callers']);
const CYCLE_MS = Number(args['cycle-ms']);
const RUNS = new Set(args.runs.split(','));
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/bench_queue';
const PASSWORD = 'bench-password-1';
const CLEARED = [
  'report_flags',
  'outcomes',
  'call_attempts',
  'call_tasks',
  'session_callers',
  'feedback_sessions',
  'complaints',
  'user_districts',
  'audit_log',
  'web_sessions',
  'users',
];

interface Row {
  name: string;
  engine: string;
  callers: number;
  cycles: number;
  perSecond: number;
  claim: number[];
  complete: number[];
  doubleClaims: number;
  lostOutcomes: number;
  /** The server process's CPU time per cycle (HTTP runs), or the benchmark's own for the direct runs. */
  cpuPerCycle: number;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function ensureMysqlDatabase(url: string) {
  const server = new URL(url);
  const name = server.pathname.slice(1);
  server.pathname = '/';
  const admin = knexFactory({
    client: 'mysql2',
    connection: { uri: server.toString() } as Knex.MySql2ConnectionConfig,
  });
  await admin.raw(
    `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  await admin.destroy();
}

/** An empty queue with callers, one pool session and enough tasks that nobody runs dry. */
async function prepare(
  db: Knex,
  callers: number,
  tasks: number,
): Promise<{ userIds: number[]; usernames: string[] }> {
  const mysql = db.client.config.client === 'mysql2';
  if (mysql) await db.raw('SET FOREIGN_KEY_CHECKS = 0');
  else await db.raw('PRAGMA foreign_keys = OFF');
  for (const t of CLEARED) await db(t).del();
  if (mysql) await db.raw('SET FOREIGN_KEY_CHECKS = 1');
  else await db.raw('PRAGMA foreign_keys = ON');
  await db('audit_head').del();
  await db('audit_head').insert({ id: 1, last_seq: 0, last_hash: '0'.repeat(64) });
  // Calls are allowed all day here, so the run does not depend on the hour it starts.
  await putSetting(db, 'calls.queue', { callingHours: { start: '00:00', end: '24:00' } });
  const now = nowDb();
  const district = (await db('districts').first('id')) as { id: number };
  const department = (await db('departments').first('id')) as { id: number };
  const hash = await hashPassword(PASSWORD);
  const usernames = Array.from({ length: callers }, (_, i) => `bench-caller-${i}`);
  await db('users').insert(
    usernames.map((username) => ({
      username,
      display_name: username,
      password_hash: hash,
      role: 'caller',
      all_districts: false,
      language: 'hi',
      active: true,
      created_at: now,
      updated_at: now,
    })),
  );
  const userIds = (await db('users').whereIn('username', usernames).orderBy('id').pluck('id')) as number[];
  await db('user_districts').insert(userIds.map((user_id) => ({ user_id, district_id: district.id })));
  const [sessionId] = await db('feedback_sessions').insert({
    title: 'bench',
    district_id: district.id,
    session_date: '2026-11-22',
    mode: 'pool',
    status: 'active',
    frame_filter: '{}',
    design: '{}',
    created_at: now,
    updated_at: now,
  });
  await db('session_callers').insert(userIds.map((user_id) => ({ session_id: sessionId, user_id })));
  for (let start = 0; start < tasks; start += 500) {
    const n = Math.min(500, tasks - start);
    const refs = Array.from({ length: n }, (_, i) => `B${String(start + i).padStart(12, '0')}`);
    await db('complaints').insert(
      refs.map((reference_no) => ({
        reference_no,
        complainant_name: 'राम',
        mobile: '+919800000000',
        district_id: district.id,
        department_id: department.id,
        status: 'disposed',
        disposal_report: 'निस्तारित',
        redisposed: false,
        created_at: now,
        updated_at: now,
      })),
    );
    const ids = (await db('complaints').whereIn('reference_no', refs).pluck('id')) as number[];
    await db('call_tasks').insert(
      ids.map((complaint_id) => ({
        session_id: sessionId,
        complaint_id,
        status: 'queued',
        priority: 0,
        due_at: now,
        is_callback: false,
        attempts: 0,
        created_at: now,
        updated_at: now,
      })),
    );
  }
  return { userIds, usernames };
}

/** Double claims: a task claimed by more than one attempt. Lost: a success the client saw with no outcome row, or a done task without one. */
async function integrity(
  db: Knex,
  acknowledged: number,
): Promise<{ doubleClaims: number; lostOutcomes: number }> {
  const doubles = (await db('call_attempts')
    .select('task_id')
    .count({ n: '*' })
    .groupBy('task_id')
    .havingRaw('count(*) > 1')) as unknown[];
  const outcomes = Number(((await db('outcomes').count({ n: '*' }).first()) as { n: number }).n);
  const doneWithout = Number(
    (
      (await db('call_tasks as t')
        .where('t.status', 'done')
        .whereNotExists(db('outcomes as o').whereRaw('o.task_id = t.id'))
        .count({ n: '*' })
        .first()) as { n: number }
    ).n,
  );
  return { doubleClaims: doubles.length, lostOutcomes: Math.max(0, acknowledged - outcomes) + doneWithout };
}

/** The reference: the same claim-and-complete cycle, straight through the services on knex, no HTTP. */
async function direct(db: Knex, engine: string, userIds: number[], seconds: number): Promise<Row> {
  const events = new EventBus();
  const queue = new CallQueue(db, systemClock, events);
  const outcomes = new OutcomesService(db, systemClock, events, new AuditLog(systemClock));
  const claim: number[] = [];
  const complete: number[] = [];
  const end = performance.now() + seconds * 1000;
  let acknowledged = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    userIds.map(async (userId, w) => {
      for (let n = 0; performance.now() < end; n++) {
        let t0 = performance.now();
        const c = await queue.claimNextTask(userId);
        claim.push(performance.now() - t0);
        if (!c.task) {
          console.warn(`direct ${engine}: the queue ran dry; the figures are bounded by the tasks prepared`);
          return;
        }
        t0 = performance.now();
        await outcomes.recordOutcome(userId, c.task.id, {
          idempotencyKey: `direct-${w}-${n}-${c.task.id}`,
          disposition: 'complete',
          verdict: 'satisfied',
        });
        complete.push(performance.now() - t0);
        acknowledged++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    name: 'saturation, direct knex',
    engine,
    callers: userIds.length,
    cycles: acknowledged,
    perSecond: acknowledged / seconds,
    claim,
    complete,
    cpuPerCycle: (cpu.user + cpu.system) / 1000 / acknowledged,
    ...(await integrity(db, acknowledged)),
  };
}

/**
 * HTTP callers against the product served from its own process, as `npm start` runs it: back to back (pace 0)
 * for saturation, or one cycle per pace ms for the realistic load.
 */
async function overHttp(
  db: Knex,
  databaseUrl: string,
  engine: string,
  usernames: string[],
  seconds: number,
  pace: number,
  name: string,
): Promise<Row> {
  const server = await productServer(databaseUrl);
  const clients = usernames.map(() => new HttpCaller(server.url));
  try {
    for (let i = 0; i < clients.length; i += 20)
      await Promise.all(clients.slice(i, i + 20).map((c, j) => c.signIn(usernames[i + j]!, PASSWORD)));
    const claim: number[] = [];
    const complete: number[] = [];
    let acknowledged = 0;
    let failures = 0;
    const failed = new Map<string, number>();
    const fail = (what: string, status: number, text: string) => {
      failures++;
      const why = `${what} ${status} ${/"key":"([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 80)}`;
      failed.set(why, (failed.get(why) ?? 0) + 1);
    };
    const end = performance.now() + seconds * 1000;
    const cpu0 = cpuMs(server);
    await Promise.all(
      clients.map(async (client, w) => {
        if (pace) await new Promise((r) => setTimeout(r, Math.random() * pace));
        for (let n = 0; performance.now() < end; n++) {
          const started = performance.now();
          const c = await client.postJson<{ data?: { task?: { id: number } | null } }>('/api/calls/next', {});
          claim.push(performance.now() - started);
          const task = c.json.data?.task;
          if (c.status !== 200) fail('claim', c.status, c.text);
          if (!task) {
            if (c.status === 200) fail('claim', 200, 'no task: the queue ran dry');
            return;
          }
          const t1 = performance.now();
          const done = await client.postJson(`/api/tasks/${task.id}/outcome`, {
            idempotencyKey: `http-${engine}-${name.length}-${w}-${n}-${task.id}`,
            disposition: 'complete',
            verdict: 'satisfied',
          });
          complete.push(performance.now() - t1);
          if (done.status === 201) acknowledged++;
          else fail('complete', done.status, done.text);
          if (pace)
            await new Promise((r) => setTimeout(r, Math.max(0, pace - (performance.now() - started))));
        }
      }),
    );
    const cpu = cpuMs(server) - cpu0;
    if (failures) console.warn(`${name}: ${failures} requests failed:`, Object.fromEntries(failed));
    return {
      name,
      engine,
      callers: usernames.length,
      cycles: acknowledged,
      perSecond: acknowledged / seconds,
      claim,
      complete,
      cpuPerCycle: cpu / acknowledged,
      ...(await integrity(db, acknowledged)),
    };
  } finally {
    for (const c of clients) c.close();
    await stop(server);
  }
}

function print(rows: Row[], ratios: string[]) {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  console.log(
    '\n| run | engine | callers | cycles | cycles/s | claim p50 ms | claim p99 ms | complete p50 ms | complete p99 ms | double claims | lost outcomes | CPU ms / cycle |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.engine} | ${r.callers} | ${r.cycles} | ${f(r.perSecond)} | ${f(pct(r.claim, 50))} | ${f(pct(r.claim, 99))} | ${f(pct(r.complete, 50))} | ${f(pct(r.complete, 99))} | ${r.doubleClaims} | ${r.lostOutcomes} | ${f(r.cpuPerCycle)} |`,
    );
  }
  console.log('');
  for (const r of ratios) console.log(r);
  console.log(
    `\n${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end (the machine may be shared).`,
  );
}

async function main() {
  const rows: Row[] = [];
  const ratios: string[] = [];
  // Enough tasks for 1,000 cycles a second, so a run measures throughput and never its supply of tasks.
  const tasks = (_callers: number, seconds: number) => Math.max(2000, seconds * 1000);

  await ensureMysqlDatabase(DATABASE_URL);
  const mysqlConfig = parseDatabaseUrl(DATABASE_URL, '') as DatabaseConfig;
  const mysql = createDb(mysqlConfig, { pool: { min: 0, max: 50 } });
  try {
    await migrateLatest(mysql);
    await ensureMasterData(mysql);
    let d: Row | undefined;
    if (RUNS.has('direct')) {
      const s = await prepare(mysql, CALLERS, tasks(CALLERS, SECONDS));
      d = await direct(mysql, 'MariaDB', s.userIds, SECONDS);
      rows.push(d);
    }
    if (RUNS.has('http')) {
      const s = await prepare(mysql, CALLERS, tasks(CALLERS, SECONDS));
      const h = await overHttp(mysql, DATABASE_URL, 'MariaDB', s.usernames, SECONDS, 0, 'saturation, HTTP');
      rows.push(h);
      if (d)
        ratios.push(
          `MariaDB saturation: HTTP / direct = ${(h.perSecond / d.perSecond).toFixed(2)} (target ≥ 0.5)`,
        );
    }
    if (RUNS.has('realistic')) {
      const s = await prepare(mysql, CALLERS, tasks(CALLERS, SECONDS));
      const real = await overHttp(
        mysql,
        DATABASE_URL,
        'MariaDB',
        s.usernames,
        SECONDS,
        CYCLE_MS,
        `realistic, 1 cycle / ${CYCLE_MS / 1000} s each`,
      );
      rows.push(real);
      ratios.push(
        `MariaDB realistic: claim p99 ${pct(real.claim, 99).toFixed(1)} ms, complete p99 ${pct(real.complete, 99).toFixed(1)} ms (target < 50 ms)`,
      );
    }
  } finally {
    await mysql.destroy();
  }

  if (RUNS.has('sqlite')) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-queue-'));
    const sqliteFile = path.join(dir, 'bench.sqlite');
    const sqlite = createDb({ client: 'sqlite', filename: sqliteFile });
    try {
      await migrateLatest(sqlite);
      await ensureMasterData(sqlite);
      let s = await prepare(sqlite, SQLITE_CALLERS, tasks(SQLITE_CALLERS, SECONDS));
      const d = await direct(sqlite, 'SQLite', s.userIds, SECONDS);
      rows.push(d);
      s = await prepare(sqlite, SQLITE_CALLERS, tasks(SQLITE_CALLERS, SECONDS));
      const h = await overHttp(
        sqlite,
        `sqlite:${sqliteFile}`,
        'SQLite',
        s.usernames,
        SECONDS,
        0,
        'saturation, HTTP',
      );
      rows.push(h);
      ratios.push(`SQLite saturation: HTTP / direct = ${(h.perSecond / d.perSecond).toFixed(2)}`);
    } finally {
      await sqlite.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  print(rows, ratios);
}

await main();
