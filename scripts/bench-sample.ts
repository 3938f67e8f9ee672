// npm run bench:sample [-- --engine sqlite|mysql|both --rounds 3 --child dist|tsx]: a 1,000-complaint stratified draw
// from a frame of ~800,000 in a table of 1,000,000, frozen and allocated to 200 callers, timed beside one plain
// streaming SELECT of the same frame. Not a test. The bench databases (data/bench/sample.sqlite, MariaDB
// `bench_sample`) are built once and reused. This process builds the data and plans the session; the measuring is
// done by bench-sample-measure.ts in a child process, from the compiled dist/ unless `--child tsx`.
import 'dotenv/config';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import knexFactory, { type Knex } from 'knex';
import { DateTime } from 'luxon';
import { projectRoot } from '../server/config.js';
import { createDb, engineOf } from '../server/db/knex.js';
import { migrateLatest } from '../server/db/migrate.js';
import { ensureMasterData } from '../server/features/complaints/master-data.repository.js';
import { findUserById } from '../server/features/auth/users.repository.js';
import { newSessionInput, SessionsService } from '../server/features/sessions/sessions.service.js';
import { toDbTime } from '../server/shared/dates.js';
import { seededRandom } from '../server/shared/random.js';
import { BENCH_MYSQL_URL, benchDatabase, benchDeps } from './bench-sample-database.js';
import { buildDist } from './bench-build.js';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '3' },
    complaints: { type: 'string', default: '1000000' },
    child: { type: 'string', default: 'dist' },
  },
});
const TOTAL = Number(values.complaints);
const ROUNDS = Number(values.rounds);
const CALLERS = 200;
const PER_CALLER = 5;

async function openBenchDb(engine: string): Promise<Knex> {
  const config = benchDatabase(engine);
  if (config.client === 'mysql') {
    const server = new URL(BENCH_MYSQL_URL);
    server.pathname = '/';
    const admin = knexFactory({
      client: 'mysql2',
      connection: { uri: server.toString() } as Knex.MySql2ConnectionConfig,
    });
    await admin.raw(
      `CREATE DATABASE IF NOT EXISTS \`${config.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    await admin.destroy();
  }
  const db = createDb(config);
  await migrateLatest(db);
  await ensureMasterData(db);
  return db;
}

/** Earlier runs' sessions, draws, frozen frames and tasks: each run plans and draws afresh on the same table. */
async function clearBenchSessions(db: Knex): Promise<void> {
  await db('call_tasks').del();
  await db('sample_selections').del();
  await db('sample_draw_frames').del();
  await db('sample_draws').del();
  await db('session_callers').del();
  await db('feedback_sessions').del();
}

/** 1,000,000 complaints in Kanpur Nagar, 24 departments of uneven size, inserted out of reference order. */
async function ensureComplaints(db: Knex): Promise<void> {
  const have = Number(((await db('complaints').count({ n: '*' }).first()) as { n: number }).n);
  if (have === TOTAL) return;
  console.log(`  generating ${TOTAL.toLocaleString('en-IN')} complaints (once; reused afterwards)...`);
  const started = performance.now();
  await clearBenchSessions(db);
  await db('complaints').del();
  const district = (await db('districts').where({ code: 'kanpur-nagar' }).first('id')) as { id: number };
  const departments = (await db('departments').orderBy('id').limit(24).pluck('id')) as number[];
  const weights = departments.map((_, i) => 1 / (i + 1));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const rng = seededRandom('bench-sample');
  const pick = () => {
    let x = rng.next() * weightSum;
    for (let i = 0; i < weights.length; i++) if ((x -= weights[i]) < 0) return departments[i];
    return departments[departments.length - 1];
  };
  const anchor = DateTime.utc().startOf('day');
  const now = toDbTime(DateTime.utc());
  const batch = engineOf(db) === 'mysql' ? 2000 : 500;
  for (let start = 0; start < TOTAL; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(TOTAL, start + batch); i++) {
      const disposed = rng.chance(0.85);
      rows.push({
        // A permutation of 0..10^10: references arrive in no particular order, as an import would leave them.
        reference_no: `4001${String((i * 7_919_007_919) % 10_000_000_000).padStart(10, '0')}`,
        source: 'IGRS Portal',
        disposed_at: disposed ? toDbTime(anchor.minus({ minutes: rng.int(1, 60 * 24 * 28) })) : null,
        mobile: rng.chance(0.97) ? `+917${String(i).padStart(9, '0')}` : null,
        district_id: district.id,
        tehsil: 'सदर',
        thana: 'कल्याणपुर',
        department_id: pick(),
        status: disposed ? 'disposed' : 'pending',
        redisposed: false,
        last_verified_at: rng.chance(0.02) ? toDbTime(anchor.minus({ days: 10 })) : null,
        created_at: now,
        updated_at: now,
      });
    }
    await db('complaints').insert(rows);
  }
  console.log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** 200 callers; every third answers for a department, so the allocation has conflicts to avoid. */
async function ensureCallers(db: Knex): Promise<number[]> {
  const existing = (await db('users')
    .where('username', 'like', 'bench-caller-%')
    .orderBy('id')
    .pluck('id')) as number[];
  if (existing.length === CALLERS) return existing;
  const district = (await db('districts').where({ code: 'kanpur-nagar' }).first('id')) as { id: number };
  const departments = (await db('departments').orderBy('id').limit(24).pluck('id')) as number[];
  const now = toDbTime(DateTime.utc());
  const ids: number[] = [];
  for (let i = 0; i < CALLERS; i++) {
    const [id] = await db('users').insert({
      username: `bench-caller-${i}`,
      display_name: `Bench caller ${i}`,
      password_hash: 'not-a-login',
      role: 'caller',
      all_districts: false,
      department_id: i % 3 === 0 ? departments[i % departments.length] : null,
      language: 'hi',
      active: true,
      created_at: now,
      updated_at: now,
    });
    await db('user_districts').insert({ user_id: id, district_id: district.id });
    ids.push(id as number);
  }
  if (!(await db('users').where({ username: 'bench-supervisor' }).first())) {
    const [id] = await db('users').insert({
      username: 'bench-supervisor',
      display_name: 'Bench supervisor',
      password_hash: 'not-a-login',
      role: 'supervisor',
      all_districts: true,
      language: 'hi',
      active: true,
      created_at: now,
      updated_at: now,
    });
    void id;
  }
  return ids;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Plans the benchmark's session through the real service (so it is checked like any plan); returns its id. */
async function planSession(
  db: Knex,
  callerIds: number[],
): Promise<{ sessionId: number; supervisorId: number }> {
  const deps = benchDeps(db);
  const supervisorRow = (await db('users').where({ username: 'bench-supervisor' }).first('id')) as {
    id: number;
  };
  const supervisor = (await findUserById(db, supervisorRow.id))!;
  const today = DateTime.utc().toISODate()!;
  const sessionId = await new SessionsService(deps).createSession(
    supervisor,
    newSessionInput.parse({
      title: 'bench',
      districtId: (await db('districts').where({ code: 'kanpur-nagar' }).first('id')).id,
      sessionDate: today,
      mode: 'officers',
      callerIds,
      perCaller: PER_CALLER,
      disposedFrom: DateTime.utc().minus({ days: 40 }).toISODate(),
      disposedTo: today,
      designKind: 'proportional',
    }),
  );
  return { sessionId, supervisorId: supervisor.id };
}

interface Measured {
  frameSize: number;
  tasks: number;
  plainMs: number[];
  drawMs: number[];
  peakRssMb: number;
  firstRoundPeakMb: number;
  rssBeforeMb: number;
}

function runMeasure(engine: string, sessionId: number, supervisorId: number): Measured {
  const args = ['--engine', engine, '--session', String(sessionId), '--supervisor', String(supervisorId)];
  args.push('--rounds', String(ROUNDS));
  const script =
    values.child === 'tsx'
      ? ['--import', 'tsx', path.join(projectRoot, 'scripts', 'bench-sample-measure.ts')]
      : [path.join(projectRoot, 'dist', 'scripts', 'bench-sample-measure.js')];
  const child = spawnSync(process.execPath, [...script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`measurement failed on ${engine}:\n${child.stdout}`);
  return JSON.parse(line.slice(7)) as Measured;
}

async function main(): Promise<void> {
  const engines = values.engine === 'both' ? ['sqlite', 'mysql'] : [values.engine!];
  if (values.child !== 'tsx') {
    // The measured process runs the compiled JavaScript, as `npm run start:prod` does: build it first.
    buildDist();
  }
  const rows: string[] = [];
  const rounds: string[] = [];
  for (const engine of engines) {
    console.log(`${engine}:`);
    const db = await openBenchDb(engine);
    await ensureComplaints(db);
    const callerIds = await ensureCallers(db);
    await clearBenchSessions(db);
    const { sessionId, supervisorId } = await planSession(db, callerIds);
    await db.destroy();
    const r = runMeasure(engine, sessionId, supervisorId);
    if (r.tasks !== CALLERS * PER_CALLER)
      throw new Error(`allocation incomplete on ${engine}: ${r.tasks} tasks`);
    const name = engine === 'mysql' ? 'MariaDB' : 'SQLite';
    const plain = median(r.plainMs);
    const draw = median(r.drawMs);
    rows.push(
      `| ${name} | ${TOTAL.toLocaleString('en-IN')} | ${r.frameSize.toLocaleString('en-IN')} | ${r.tasks} / ${CALLERS} | ${(plain / 1000).toFixed(2)} s | ${(draw / 1000).toFixed(2)} s | ${(draw / plain).toFixed(2)}× | ${r.peakRssMb.toFixed(0)} MB (${r.firstRoundPeakMb.toFixed(0)} MB after round 1; ${r.rssBeforeMb.toFixed(0)} MB before the first SELECT) |`,
    );
    rounds.push(
      `${name}: plain ${r.plainMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s; draw ${r.drawMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s`,
    );
  }
  console.log(
    `\nMedian of ${ROUNDS} rounds; whole draw = stream + hash + rank + gzip-freeze + record + allocate, in one transaction; measured process: ${values.child === 'tsx' ? 'node --import tsx' : 'node, compiled dist/'}.`,
  );
  console.log(
    '| engine | table | frame | sample / callers | plain SELECT (streamed) | whole draw | ratio (target ≤ 2.5×) | peak RSS (target < 200 MB) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(`\nEach round (plain SELECT, then draw): ${rounds.join('; ')}`);
}

await main();
