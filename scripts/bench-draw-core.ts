// Times the draw core on 800,000 synthetic complaints in 24 departments against merely iterating them.
// Not a test: run with `npx tsx scripts/bench-draw-core.ts [frameSize] [sampleSize] [rounds]`.
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../server/shared/random.js';
import {
  FrameHasher,
  FrameRanking,
  drawFromFrame,
  generateSeed,
  type FrameEntry,
} from '../server/features/sessions/sampling/draw-rule.js';
import { rankingDepth, type SampleDesign } from '../server/features/sessions/sampling/designs.js';
import { allocateCallers } from '../server/features/sessions/sampling/allocate-callers.js';

const frameSize = Number(process.argv[2] ?? 800_000);
const sampleSize = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 7);
const random = seededRandom('bench');
const departments = Array.from({ length: 24 }, (_, i) => `dept-${String(i).padStart(2, '0')}`);
// Uneven department sizes, as in a real district: a few large departments, a long tail.
const weights = departments.map((_, i) => 1 / (i + 1));
const totalWeight = weights.reduce((a, b) => a + b, 0);
const pickDepartment = () => {
  let x = random.next() * totalWeight;
  for (let i = 0; i < weights.length; i++) if ((x -= weights[i]) < 0) return departments[i];
  return departments[departments.length - 1];
};
let reference = 40015325000000;
const frame: FrameEntry[] = Array.from({ length: frameSize }, () => ({
  referenceNumber: String((reference += random.int(1, 3))),
  stratum: pickDepartment(),
}));
const design: SampleDesign = { kind: 'stratified', allocation: 'proportional', sampleSize };

function time(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}
async function timeAsync(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results: Record<string, number[]> = {};
const record = (name: string, ms: number) => (results[name] ??= []).push(ms);
let sink = 0;
for (let round = 0; round < rounds; round++) {
  const seed = generateSeed();
  record(
    'iterate only',
    time(() => {
      for (const e of frame) sink += e.referenceNumber.length + e.stratum.length;
    }),
  );
  record(
    'frame hash only',
    time(() => {
      const hasher = new FrameHasher();
      for (const e of frame) hasher.add(e.referenceNumber, e.stratum);
      hasher.finish();
    }),
  );
  record(
    'ranking only (depth 2000)',
    time(() => {
      const ranking = new FrameRanking(seed, 'stratum', rankingDepth(design));
      for (const e of frame) ranking.add(e.referenceNumber, e.stratum);
      ranking.finish();
    }),
  );
  let drawn: Awaited<ReturnType<typeof drawFromFrame>> | undefined;
  record(
    'drawFromFrame (hash + rank + plan + select)',
    await timeAsync(async () => {
      drawn = await drawFromFrame(frame, seed, design);
    }),
  );
  const callers = Array.from({ length: 200 }, (_, i) => ({
    id: `c${i}`,
    name: `Caller ${i}`,
    conflictedDepartments: [departments[i % 24]],
  }));
  const tasks = drawn!.sample.map((d) => ({ referenceNumber: d.referenceNumber, department: d.stratum }));
  record(
    'allocateCallers (1000 over 200)',
    time(() => allocateCallers(tasks, callers)),
  );
}
for (const [name, values] of Object.entries(results)) {
  const line = `${name.padEnd(46)} min ${Math.min(...values)
    .toFixed(1)
    .padStart(7)} ms   median ${median(values).toFixed(1).padStart(7)} ms`;
  console.log(line);
}
const rss = (process.resourceUsage().maxRSS / 1024).toFixed(0);
console.log(
  `frame ${frameSize} in 24 departments, sample ${sampleSize}, ${rounds} rounds, node ${process.version}`,
);
// The synthetic frame itself is held in memory here; a draw from a database cursor does not hold it.
console.log(`peak RSS ${rss} MB (checksum ${sink})`);
