// The measured half of `npm run bench:sample`: one engine's plain streaming SELECT and whole draws, in a process of
// its own that loads only what a draw needs, so its peak RSS is the draw's. Started by bench-sample.ts from the
// compiled dist/ (node, no TypeScript loader), on a session that process planned; prints one RESULT line.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createDb } from '../server/db/knex.js';
import { findUserById } from '../server/features/auth/users.repository.js';
import { drawSample } from '../server/features/sessions/draw.service.js';
import { streamFrameRows } from '../server/features/sessions/frame.repository.js';
import { findSession } from '../server/features/sessions/sessions.repository.js';
import { systemClock } from '../server/shared/dates.js';
import { benchDatabase, benchDeps } from './bench-sample-database.js';

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    session: { type: 'string' },
    supervisor: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});

const mb = (bytes: number) => bytes / 1024 / 1024;

async function measure(): Promise<void> {
  const db = createDb(benchDatabase(values.engine!));
  const deps = benchDeps(db);
  const sessionId = Number(values.session);
  const supervisor = (await findUserById(db, Number(values.supervisor)))!;
  const session = (await findSession(db, sessionId))!;
  // The process before any frame is read: node, knex and the draw's modules, with the database open.
  const rssBeforeMb = mb(process.memoryUsage().rss);
  const plain: number[] = [];
  const whole: number[] = [];
  let frameSize = 0;
  let tasks = 0;
  let sink = 0;
  let firstRoundPeakMb = 0;
  for (let round = 0; round < Number(values.rounds); round++) {
    let start = performance.now();
    await streamFrameRows(db, session.filter, systemClock, async (rows) => {
      if (Symbol.iterator in rows) for (const r of rows) sink += r.referenceNumber.length;
      else for await (const r of rows) sink += r.referenceNumber.length;
    });
    plain.push(performance.now() - start);
    start = performance.now();
    const outcome = await drawSample(deps, supervisor, sessionId);
    whole.push(performance.now() - start);
    frameSize = outcome.frameSize;
    tasks = outcome.allocation.tasks;
    // Later rounds add what V8 has not collected of the earlier draws yet: the first round's peak is one draw's.
    if (round === 0) firstRoundPeakMb = process.resourceUsage().maxRSS / 1024;
  }
  await db.destroy();
  const result = {
    frameSize,
    tasks,
    plainMs: plain,
    drawMs: whole,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    firstRoundPeakMb,
    rssBeforeMb,
    sink,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

await measure();
