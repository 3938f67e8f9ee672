// SQL for sessions, their callers, draws, frozen frames, selections and call tasks; returns plain objects.
import type { Knex } from 'knex';
import { insertBlobRow } from '../../db/blobs.js';
import type { FrameFilter } from './frame.repository.js';
import type { PoolQuota, SampleDesign } from './sampling/designs.js';

export type SessionMode = 'officers' | 'pool';

/** The design as planned for a session; the sample size follows from the mode (callers × per caller, or total). */
export type SessionDesign =
  | { kind: 'simple' }
  | { kind: 'stratified'; allocation: 'proportional' | 'equal'; minimumPerStratum?: number };

export interface SessionRecord {
  id: number;
  title: string;
  districtId: number;
  sessionDate: string;
  mode: SessionMode;
  perCaller: number | null;
  total: number | null;
  filter: FrameFilter;
  design: SessionDesign;
  status: string;
  createdBy: number | null;
  createdAt: string;
}

interface SessionRow {
  id: number;
  title: string;
  district_id: number;
  session_date: string | Date;
  mode: SessionMode;
  per_caller: number | null;
  total: number | null;
  frame_filter: string;
  design: string;
  status: string;
  created_by: number | null;
  created_at: string;
}

const dayOf = (v: string | Date) =>
  v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    title: row.title,
    districtId: row.district_id,
    sessionDate: dayOf(row.session_date),
    mode: row.mode,
    perCaller: row.per_caller,
    total: row.total,
    filter: JSON.parse(row.frame_filter) as FrameFilter,
    design: JSON.parse(row.design) as SessionDesign,
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export async function insertSession(
  trx: Knex.Transaction,
  s: Omit<SessionRecord, 'id' | 'createdAt' | 'status'>,
  callerIds: number[],
  now: string,
): Promise<number> {
  const [id] = await trx('feedback_sessions').insert({
    title: s.title,
    district_id: s.districtId,
    session_date: s.sessionDate,
    mode: s.mode,
    per_caller: s.perCaller,
    total: s.total,
    frame_filter: JSON.stringify(s.filter),
    design: JSON.stringify(s.design),
    status: 'planned',
    created_by: s.createdBy,
    created_at: now,
    updated_at: now,
  });
  if (callerIds.length > 0) {
    await trx('session_callers').insert(callerIds.map((user_id) => ({ session_id: id, user_id })));
  }
  return id as number;
}

/** A planned session's new frame filter (the service checks it has not been drawn). */
export async function updateSessionFrame(
  trx: Knex.Transaction,
  sessionId: number,
  filter: FrameFilter,
  now: string,
): Promise<void> {
  await trx('feedback_sessions')
    .where({ id: sessionId })
    .update({ frame_filter: JSON.stringify(filter), updated_at: now });
}

export async function findSession(db: Knex, id: number): Promise<SessionRecord | null> {
  const row = (await db('feedback_sessions').where({ id }).first()) as SessionRow | undefined;
  return row ? toSession(row) : null;
}

export async function listSessions(
  db: Knex,
  scope: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
): Promise<Array<SessionRecord & { districtName: string; draws: number; tasks: number }>> {
  const rows = (await scope(db('feedback_sessions as s'))
    .join('districts as dt', 'dt.id', 's.district_id')
    .select('s.*', { district_en: 'dt.name_en', district_hi: 'dt.name_hi' })
    .select(db.raw('(select count(*) from sample_draws sd where sd.session_id = s.id) as draws'))
    .select(db.raw('(select count(*) from call_tasks ct where ct.session_id = s.id) as tasks'))
    .orderBy('s.session_date', 'desc')
    .orderBy('s.id', 'desc')
    .limit(200)) as Array<
    SessionRow & { district_en: string; district_hi: string; draws: number; tasks: number }
  >;
  return rows.map((r) => ({
    ...toSession(r),
    districtName: `${r.district_hi} / ${r.district_en}`,
    draws: Number(r.draws),
    tasks: Number(r.tasks),
  }));
}

export interface SessionCaller {
  id: number;
  displayName: string;
  designation: string | null;
  departmentCode: string | null;
}

interface CallerRow {
  id: number;
  display_name: string;
  designation: string | null;
  department_code: string | null;
}

const toSessionCaller = (r: CallerRow): SessionCaller => ({
  id: r.id,
  displayName: r.display_name,
  designation: r.designation,
  departmentCode: r.department_code,
});

export async function listSessionCallers(db: Knex, sessionId: number): Promise<SessionCaller[]> {
  const rows = (await db('session_callers as sc')
    .join('users as u', 'u.id', 'sc.user_id')
    .leftJoin('departments as d', 'd.id', 'u.department_id')
    .where('sc.session_id', sessionId)
    .orderBy('u.id')
    .select('u.id', 'u.display_name', 'u.designation', { department_code: 'd.code' })) as CallerRow[];
  return rows.map(toSessionCaller);
}

/** Users who may take calls in a district: active callers, session officers and supervisors with access to it. */
export async function findEligibleCallers(
  db: Knex,
  districtId: number,
  userIds?: number[],
): Promise<SessionCaller[]> {
  const query = db('users as u')
    .leftJoin('departments as d', 'd.id', 'u.department_id')
    .where('u.active', true)
    .whereIn('u.role', ['caller', 'session_officer', 'supervisor'])
    .where((q) =>
      q
        .where('u.all_districts', true)
        .orWhereExists(
          db('user_districts as ud').whereRaw('ud.user_id = u.id').where('ud.district_id', districtId),
        ),
    )
    .orderBy('u.id')
    .select('u.id', 'u.display_name', 'u.designation', { department_code: 'd.code' });
  if (userIds) query.whereIn('u.id', userIds);
  const rows = (await query) as CallerRow[];
  return rows.map(toSessionCaller);
}

export interface DrawRecord {
  id: number;
  sessionId: number;
  drawNumber: number;
  seed: string;
  ruleName: string;
  ruleVersion: string;
  design: SampleDesign;
  quotas: PoolQuota[];
  frameSha256: string;
  frameSize: number;
  sampleSize: number;
  isCurrent: boolean;
  createdBy: number | null;
  createdAt: string;
}

interface DrawRow {
  id: number;
  session_id: number;
  draw_number: number;
  seed: string;
  rule_name: string;
  rule_version: string;
  design: string;
  quotas: string | null;
  frame_sha256: string;
  frame_size: number;
  sample_size: number;
  is_current: number | boolean;
  created_by: number | null;
  created_at: string;
}

function toDraw(r: DrawRow): DrawRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    drawNumber: r.draw_number,
    seed: r.seed,
    ruleName: r.rule_name,
    ruleVersion: r.rule_version,
    design: JSON.parse(r.design) as SampleDesign,
    quotas: r.quotas ? (JSON.parse(r.quotas) as PoolQuota[]) : [],
    frameSha256: r.frame_sha256,
    frameSize: r.frame_size,
    sampleSize: r.sample_size,
    isCurrent: Boolean(r.is_current),
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

export async function listDraws(db: Knex, sessionId: number): Promise<DrawRecord[]> {
  const rows = (await db('sample_draws')
    .where({ session_id: sessionId })
    .orderBy('draw_number')) as DrawRow[];
  return rows.map(toDraw);
}

export async function findDraw(db: Knex, drawId: number): Promise<DrawRecord | null> {
  const row = (await db('sample_draws').where({ id: drawId }).first()) as DrawRow | undefined;
  return row ? toDraw(row) : null;
}

export async function countDraws(db: Knex, sessionId: number): Promise<number> {
  const row = (await db('sample_draws').where({ session_id: sessionId }).count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export async function nextDrawNumber(trx: Knex.Transaction, sessionId: number): Promise<number> {
  const row = (await trx('sample_draws')
    .where({ session_id: sessionId })
    .max({ n: 'draw_number' })
    .first()) as { n: number | null } | undefined;
  return Number(row?.n ?? 0) + 1;
}

export async function insertDraw(
  trx: Knex.Transaction,
  d: Omit<DrawRecord, 'id' | 'isCurrent'>,
): Promise<number> {
  await trx('sample_draws').where({ session_id: d.sessionId }).update({ is_current: false });
  const [id] = await trx('sample_draws').insert({
    session_id: d.sessionId,
    draw_number: d.drawNumber,
    seed: d.seed,
    rule_name: d.ruleName,
    rule_version: d.ruleVersion,
    design: JSON.stringify(d.design),
    quotas: JSON.stringify(d.quotas),
    frame_sha256: d.frameSha256,
    frame_size: d.frameSize,
    sample_size: d.sampleSize,
    is_current: true,
    created_by: d.createdBy,
    created_at: d.createdAt,
  });
  return id as number;
}

/** The largest part of a frozen frame: one row, one statement (well under MySQL's 16 MB max_allowed_packet). */
export const FROZEN_PART_BYTES = 1 << 20;

/**
 * Writes a draw's frozen frame: `pieces` are the frame file's gzip members in order, gathered into parts of at
 * most FROZEN_PART_BYTES (a member larger than that is a part of its own). Concatenated, the parts are one gzip
 * file whose contents are the frame file.
 */
export async function insertFrozenFrame(
  trx: Knex.Transaction,
  drawId: number,
  pieces: readonly Buffer[],
): Promise<number> {
  let partNo = 0;
  let group: Buffer[] = [];
  let groupBytes = 0;
  const write = async () => {
    if (group.length === 0) return;
    const content = group.length === 1 ? group[0] : Buffer.concat(group, groupBytes);
    await insertBlobRow(trx, 'sample_draw_frames', {
      draw_id: drawId,
      part_no: partNo++,
      encoding: 'gzip',
      content,
    });
    group = [];
    groupBytes = 0;
  };
  for (const piece of pieces) {
    if (groupBytes + piece.length > FROZEN_PART_BYTES) await write();
    group.push(piece);
    groupBytes += piece.length;
  }
  await write();
  return partNo;
}

/** A draw's frozen frame as stored (its parts joined in order), or null. */
export async function readFrozenFrame(
  db: Knex,
  drawId: number,
): Promise<{ encoding: string; content: Buffer } | null> {
  const parts = (await db('sample_draw_frames')
    .where({ draw_id: drawId })
    .orderBy('part_no')
    .select('encoding', 'content')) as Array<{ encoding: string; content: Buffer }>;
  if (parts.length === 0) return null;
  if (parts.some((p) => p.encoding !== parts[0].encoding))
    throw new Error(`draw ${drawId}: mixed frame encodings`);
  return { encoding: parts[0].encoding, content: Buffer.concat(parts.map((p) => Buffer.from(p.content))) };
}

/** Complaint ids of the given reference numbers in a district, in chunks small enough for any engine. */
export async function complaintIdsByReference(
  trx: Knex,
  districtId: number,
  references: string[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < references.length; i += 500) {
    // By reference alone (unique): adding district_id lets the planner pick the district index and scan it.
    const rows = (await trx('complaints')
      .whereIn('reference_no', references.slice(i, i + 500))
      .select('id', 'reference_no', 'district_id')) as Array<{
      id: number;
      reference_no: string;
      district_id: number;
    }>;
    for (const r of rows) if (r.district_id === districtId) ids.set(r.reference_no, r.id);
  }
  return ids;
}

export interface SelectionRecord {
  id: number;
  drawId: number;
  complaintId: number;
  referenceNo: string;
  /** The pool: the department code (stratified) or `*` (simple random). */
  stratum: string;
  rankInStratum: number;
  rankKey: string;
  isReserve: boolean;
  replacesSelectionId: number | null;
  usedAt: string | null;
}

export async function insertSelections(
  trx: Knex.Transaction,
  rows: Array<Omit<SelectionRecord, 'id' | 'replacesSelectionId' | 'usedAt'>>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await trx('sample_selections').insert(
      rows.slice(i, i + 500).map((s) => ({
        draw_id: s.drawId,
        complaint_id: s.complaintId,
        reference_no: s.referenceNo,
        stratum: s.stratum,
        rank_in_stratum: s.rankInStratum,
        rank_key: s.rankKey,
        is_reserve: s.isReserve,
      })),
    );
  }
}

export async function listSelections(db: Knex, drawId: number): Promise<SelectionRecord[]> {
  const rows = (await db('sample_selections')
    .where({ draw_id: drawId })
    .orderBy('stratum')
    .orderBy('rank_in_stratum')) as Array<{
    id: number;
    draw_id: number;
    complaint_id: number;
    reference_no: string;
    stratum: string;
    rank_in_stratum: number;
    rank_key: string;
    is_reserve: number | boolean;
    replaces_selection_id: number | null;
    used_at: string | null;
  }>;
  return rows.map((r) => ({
    id: r.id,
    drawId: r.draw_id,
    complaintId: r.complaint_id,
    referenceNo: r.reference_no,
    stratum: r.stratum,
    rankInStratum: r.rank_in_stratum,
    rankKey: r.rank_key,
    isReserve: Boolean(r.is_reserve),
    replacesSelectionId: r.replaces_selection_id,
    usedAt: r.used_at,
  }));
}

/** Tasks of a session whose calls have started: anything but untouched queued tasks. */
export async function countStartedTasks(trx: Knex, sessionId: number): Promise<number> {
  const row = (await trx('call_tasks')
    .where({ session_id: sessionId })
    .where((q) => q.whereNot('status', 'queued').orWhere('attempts', '>', 0).orWhereNotNull('lease_user_id'))
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export async function deleteSessionTasks(trx: Knex.Transaction, sessionId: number): Promise<number> {
  return trx('call_tasks').where({ session_id: sessionId }).del();
}

export interface NewTask {
  sessionId: number;
  selectionId: number;
  complaintId: number;
  assignedUserId: number | null;
  priority: number;
}

export async function insertTasks(trx: Knex.Transaction, tasks: NewTask[], now: string): Promise<void> {
  for (let i = 0; i < tasks.length; i += 500) {
    await trx('call_tasks').insert(
      tasks.slice(i, i + 500).map((t) => ({
        session_id: t.sessionId,
        selection_id: t.selectionId,
        complaint_id: t.complaintId,
        assigned_user_id: t.assignedUserId,
        status: 'queued',
        priority: t.priority,
        due_at: now,
        is_callback: false,
        attempts: 0,
        created_at: now,
        updated_at: now,
      })),
    );
  }
}

export interface TaskView {
  id: number;
  status: string;
  assignedUserId: number | null;
  referenceNo: string;
  departmentCode: string;
  departmentName: string;
  complaintId: number;
  priority: number;
}

export async function listSessionTasks(db: Knex, sessionId: number): Promise<TaskView[]> {
  const rows = (await db('call_tasks as t')
    .join('complaints as c', 'c.id', 't.complaint_id')
    .join('departments as d', 'd.id', 'c.department_id')
    .where('t.session_id', sessionId)
    .orderBy('t.assigned_user_id')
    .orderBy('t.priority')
    .orderBy('t.id')
    .select('t.id', 't.status', 't.assigned_user_id', 't.complaint_id', 't.priority', 'c.reference_no', {
      department_code: 'd.code',
      name_en: 'd.name_en',
      name_hi: 'd.name_hi',
    })) as Array<{
    id: number;
    status: string;
    assigned_user_id: number | null;
    complaint_id: number;
    priority: number;
    reference_no: string;
    department_code: string;
    name_en: string;
    name_hi: string;
  }>;
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    assignedUserId: r.assigned_user_id,
    referenceNo: r.reference_no,
    departmentCode: r.department_code,
    departmentName: `${r.name_hi} / ${r.name_en}`,
    complaintId: r.complaint_id,
    priority: r.priority,
  }));
}

export async function departmentNames(db: Knex): Promise<Map<string, { en: string; hi: string }>> {
  const rows = (await db('departments').select('code', 'name_en', 'name_hi')) as Array<{
    code: string;
    name_en: string;
    name_hi: string;
  }>;
  return new Map(rows.map((r) => [r.code, { en: r.name_en, hi: r.name_hi }]));
}

/** A district's names and raw settings JSON. */
export async function findDistrictSettings(
  db: Knex,
  districtId: number,
): Promise<{ nameEn: string; nameHi: string; settings: string } | null> {
  const row = (await db('districts').where({ id: districtId }).first('name_en', 'name_hi', 'settings')) as
    { name_en: string; name_hi: string; settings: string } | undefined;
  return row ? { nameEn: row.name_en, nameHi: row.name_hi, settings: row.settings } : null;
}

export async function updateDistrictSettings(
  trx: Knex.Transaction,
  districtId: number,
  settingsJson: string,
  now: string,
): Promise<void> {
  await trx('districts').where({ id: districtId }).update({ settings: settingsJson, updated_at: now });
}
