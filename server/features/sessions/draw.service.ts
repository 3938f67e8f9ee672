// Draws a session's sample: streams the frame once, freezes it, records the draw and its selections, allocates.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip as gunzipCb, gzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import type { AppDeps } from '../../deps.js';
import { withSqliteCacheSize } from '../../db/knex.js';
import { lockForUpdate } from '../../db/locking.js';
import { conflict, notFound } from '../../shared/errors.js';
import { nowDb } from '../../shared/dates.js';
import type { SignedInUser } from '../auth/users.repository.js';
import { allocateSample, type AllocationSummary } from './allocation.service.js';
import { FRAME_STREAM_CACHE_KIB, streamFrameRows } from './frame.repository.js';
import type { SampleDesign } from './sampling/designs.js';
import {
  drawFromFrame,
  generateSeed,
  verifyDraw,
  type DrawMismatch,
  type FrameEntry,
} from './sampling/draw-rule.js';
import {
  complaintIdsByReference,
  countStartedTasks,
  deleteSessionTasks,
  departmentNames,
  findDraw,
  findSession,
  insertDraw,
  insertFrozenFrame,
  insertSelections,
  listSelections,
  nextDrawNumber,
  readFrozenFrame,
  type SessionRecord,
} from './sessions.repository.js';

const gunzip = promisify(gunzipCb);

/** The design a session draws with: its sample size is callers × per caller (officers) or the total (pool). */
export function sessionSampleDesign(session: SessionRecord, callerCount: number): SampleDesign {
  const sampleSize = session.mode === 'pool' ? (session.total ?? 0) : callerCount * (session.perCaller ?? 5);
  return session.design.kind === 'simple'
    ? { kind: 'simple', sampleSize }
    : {
        kind: 'stratified',
        allocation: session.design.allocation,
        sampleSize,
        ...(session.design.minimumPerStratum ? { minimumPerStratum: session.design.minimumPerStratum } : {}),
      };
}

export interface DrawOutcome {
  drawId: number;
  drawNumber: number;
  seed: string;
  frameHash: string;
  frameSize: number;
  sampleSize: number;
  reserveSize: number;
  allocation: AllocationSummary;
}

/**
 * Everything in one transaction: a refused design, a conflicted allocation or calls already started leave no
 * draw, no selection and no task behind. Earlier draws stay, marked not current; untouched tasks are replaced.
 */
export async function drawSample(
  deps: AppDeps,
  user: SignedInUser | null,
  sessionId: number,
): Promise<DrawOutcome> {
  const names = await departmentNames(deps.db);
  const stratumName = (code: string) => {
    const n = names.get(code);
    return n ? `${n.hi} / ${n.en}` : code;
  };
  // The draw reads the whole frame once: SQLite's page cache stays as small as the frame's stream keeps it.
  const outcome = await deps.db.transaction(async (trx) =>
    withSqliteCacheSize(trx, FRAME_STREAM_CACHE_KIB, () =>
      drawInTransaction(deps, trx, user, sessionId, stratumName),
    ),
  );
  deps.events.emit('draw:made', { drawId: outcome.drawId, sessionId, districtId: outcome.districtId });
  return outcome;
}

async function drawInTransaction(
  deps: AppDeps,
  trx: Knex.Transaction,
  user: SignedInUser | null,
  sessionId: number,
  stratumName: (code: string) => string,
): Promise<DrawOutcome & { districtId: number }> {
  // Locking the session row serialises two supervisors pressing "draw" at once.
  await lockForUpdate(trx, trx('feedback_sessions').where({ id: sessionId }).first('id'));
  const session = await findSession(trx, sessionId);
  if (!session) throw notFound();
  if ((await countStartedTasks(trx, sessionId)) > 0) throw conflict('sessions.error.callsStarted');
  const callerCount = Number(
    (
      (await trx('session_callers').where({ session_id: sessionId }).count({ n: '*' }).first()) as {
        n: number;
      }
    ).n,
  );
  const design = sessionSampleDesign(session, callerCount);
  const now = nowDb(deps.clock);

  // Each ~64 KB chunk of the frame file becomes one gzip member as it streams by, so only the compressed frame is
  // held; a file of concatenated members is one valid gzip file (RFC 1952 §2.2) and gunzips to the exact bytes.
  // They are written once the stream has ended (the stream holds the connection), in parts of at most 1 MB.
  const frozen: Buffer[] = [];
  // docs/sampling-rule.md §3: the seed is made here, after the locked session's filters and design were read (and
  // the database snapshot with them) and before the first row of the frame is: neither can depend on the other.
  const seed = generateSeed();
  const draw = await streamFrameRows(trx, session.filter, deps.clock, (rows) =>
    drawFromFrame(rows, seed, design, {
      onFrameChunk: (chunk) => frozen.push(gzipSync(chunk, { level: zlibConstants.Z_BEST_SPEED })),
      stratumName,
    }),
  );

  const drawNumber = await nextDrawNumber(trx, sessionId);
  const drawId = await insertDraw(trx, {
    sessionId,
    drawNumber,
    seed,
    ruleName: draw.rule.name,
    ruleVersion: String(draw.rule.version),
    design,
    quotas: draw.plan.pools,
    frameSha256: draw.frameHash,
    frameSize: draw.frameSize,
    sampleSize: draw.sample.length,
    createdBy: user?.id ?? null,
    createdAt: now,
  });
  await insertFrozenFrame(trx, drawId, frozen);
  frozen.length = 0;

  const drawn = [...draw.sample, ...draw.reserve];
  const ids = await complaintIdsByReference(
    trx,
    session.filter.districtId,
    drawn.map((d) => d.referenceNumber),
  );
  await insertSelections(
    trx,
    drawn.map((d) => ({
      drawId,
      complaintId: ids.get(d.referenceNumber)!,
      referenceNo: d.referenceNumber,
      stratum: d.pool,
      rankInStratum: d.rank,
      rankKey: d.key,
      isReserve: d.role === 'reserve',
    })),
  );
  const selectionIds = new Map(
    (
      (await trx('sample_selections')
        .where({ draw_id: drawId, is_reserve: false })
        .select('id', 'reference_no')) as Array<{
        id: number;
        reference_no: string;
      }>
    ).map((r) => [r.reference_no, r.id]),
  );

  const replacedTasks = await deleteSessionTasks(trx, sessionId);
  const allocation = await allocateSample(
    trx,
    session,
    draw.sample.map((s) => ({
      ...s,
      selectionId: selectionIds.get(s.referenceNumber)!,
      complaintId: ids.get(s.referenceNumber)!,
    })),
    now,
    stratumName,
  );
  await trx('feedback_sessions').where({ id: sessionId }).update({ status: 'drawn', updated_at: now });

  await deps.audit.record(trx, {
    userId: user?.id ?? null,
    action: 'draw.made',
    entity: 'sample_draw',
    entityId: drawId,
    after: {
      sessionId,
      drawNumber,
      seed,
      rule: draw.rule,
      design,
      frameHash: draw.frameHash,
      frameSize: draw.frameSize,
      sample: draw.sample.length,
      reserve: draw.reserve.length,
    },
  });
  await deps.audit.record(trx, {
    userId: user?.id ?? null,
    action: 'allocation.made',
    entity: 'feedback_session',
    entityId: sessionId,
    before: { tasksReplaced: replacedTasks },
    after: allocation,
  });
  return {
    drawId,
    drawNumber,
    seed,
    frameHash: draw.frameHash,
    frameSize: draw.frameSize,
    sampleSize: draw.sample.length,
    reserveSize: draw.reserve.length,
    allocation,
    districtId: session.districtId,
  };
}

/** The exact frame file of a draw (the bytes whose SHA-256 is the recorded frame hash). */
export async function frozenFrameFile(db: Knex, drawId: number): Promise<Buffer> {
  const frozen = await readFrozenFrame(db, drawId);
  if (!frozen) throw notFound();
  return frozen.encoding === 'gzip' ? gunzip(frozen.content) : frozen.content;
}

/** The frame file's lines as entries, in file order (verifyDraw checks the order and hashes the same bytes). */
export function* frameFileEntries(file: Buffer): Generator<FrameEntry> {
  let start = 0;
  for (;;) {
    const end = file.indexOf(0x0a, start);
    if (end < 0) break;
    const line = file.toString('utf8', start, end);
    const tab = line.indexOf('\t');
    yield { referenceNumber: line.slice(0, tab), stratum: line.slice(tab + 1) };
    start = end + 1;
  }
}

export interface VerifyReport {
  drawId: number;
  confirmed: boolean;
  frameHashOfFile: string;
  mismatches: DrawMismatch[];
}

/** Recomputes a stored draw from its frozen frame and seed, as a third party would with docs/sampling-rule.md. */
export async function verifyStoredDraw(db: Knex, drawId: number): Promise<VerifyReport> {
  const draw = await findDraw(db, drawId);
  if (!draw) throw notFound();
  const file = await frozenFrameFile(db, drawId);
  const selections = await listSelections(db, drawId);
  const result = await verifyDraw(frameFileEntries(file), draw.seed, draw.design, {
    rule: { name: draw.ruleName, version: Number(draw.ruleVersion) },
    frameHash: draw.frameSha256,
    frameSize: draw.frameSize,
    pools: draw.quotas,
    selection: selections.map((s) => ({
      referenceNumber: s.referenceNo,
      pool: s.stratum,
      role: s.isReserve ? 'reserve' : 'sample',
      rank: s.rankInStratum,
    })),
  }).catch((err: unknown) => ({
    ok: false,
    mismatches: [
      { what: 'frameHash' as const, expected: null, found: (err as Error).message },
    ] as DrawMismatch[],
  }));
  return {
    drawId,
    confirmed: result.ok,
    frameHashOfFile: createHash('sha256').update(file).digest('hex'),
    mismatches: result.mismatches,
  };
}
