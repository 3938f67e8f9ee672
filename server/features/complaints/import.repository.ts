// The SQL of an import: batches and their errors, complaints written a chunk at a time, officers found or made.
import type { Knex } from 'knex';
import { engineOf } from '../../db/knex.js';

export type BatchStatus = 'running' | 'done' | 'refused' | 'failed';

export interface BatchRow {
  id: number;
  file_name: string;
  file_sha256: string | null;
  user_id: number | null;
  status: BatchStatus;
  dry_run: boolean | number;
  rows_read: number;
  rows_inserted: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_rejected: number;
  message: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface BatchCounts {
  rows_read: number;
  rows_inserted: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_rejected: number;
}

export interface ImportErrorRow {
  batch_id: number;
  row_number: number;
  column_name: string | null;
  reason_key: string;
  /** The message parameters, as JSON. */
  detail: string | null;
}

/** What the importer compares a row of the file with. */
export interface ExistingComplaint {
  id: number;
  reference_no: string;
  content_hash: string | null;
  disposal_report: string | null;
  disposed_at: string | null;
  redisposed: boolean | number;
}

export type ComplaintWrite = Record<string, string | number | boolean | null>;

/** Columns a newer export overwrites; created_at and the verification stamp stay as they were. */
export const MERGED_COLUMNS = [
  'source',
  'received_at',
  'due_at',
  'disposed_at',
  'complainant_name',
  'mobile',
  'address',
  'district_id',
  'tehsil',
  'block',
  'thana',
  'department_id',
  'officer_id',
  'subject',
  'complaint_text',
  'disposal_report',
  'status',
  'redisposed',
  'extra',
  'content_hash',
  'import_batch_id',
  'updated_at',
] as const;

export async function insertBatch(
  db: Knex,
  batch: { file_name: string; user_id: number | null; dry_run: boolean; started_at: string },
): Promise<number> {
  const insert = db('import_batches').insert({
    ...batch,
    file_name: batch.file_name.slice(0, 255),
    status: 'running',
  });
  // MySQL answers an insert with the new id; SQLite needs RETURNING for it.
  const [row] = engineOf(db) === 'mysql' ? await insert : await insert.returning('id');
  return typeof row === 'object' ? (row as { id: number }).id : (row as number);
}

export async function updateBatch(
  db: Knex,
  id: number,
  fields: Partial<Omit<BatchRow, 'id' | 'dry_run'>>,
): Promise<void> {
  await db('import_batches').where({ id }).update(fields);
}

export async function insertImportErrors(db: Knex, rows: ImportErrorRow[]): Promise<void> {
  // 5 values a row: well under SQLite's 32,766 variables per statement.
  for (let i = 0; i < rows.length; i += 2000) await db('import_errors').insert(rows.slice(i, i + 2000));
}

export async function findBatch(db: Knex, id: number): Promise<BatchRow | undefined> {
  return db('import_batches').where({ id }).first() as Promise<BatchRow | undefined>;
}

export async function listRecentBatches(
  db: Knex,
  limit = 20,
): Promise<(BatchRow & { user_name: string | null })[]> {
  return db('import_batches as b')
    .leftJoin('users as u', 'u.id', 'b.user_id')
    .select('b.*', 'u.display_name as user_name')
    .orderBy('b.id', 'desc')
    .limit(limit);
}

export async function listImportErrors(db: Knex, batchId: number, limit?: number): Promise<ImportErrorRow[]> {
  const q = db('import_errors')
    .where({ batch_id: batchId })
    .orderBy(['row_number', 'id'])
    .select('batch_id', 'row_number', 'column_name', 'reason_key', 'detail');
  if (limit !== undefined) q.limit(limit);
  return q;
}

export async function countImportErrors(db: Knex, batchId: number): Promise<number> {
  const row = (await db('import_errors').where({ batch_id: batchId }).count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export async function findExistingComplaints(trx: Knex, references: string[]): Promise<ExistingComplaint[]> {
  return trx('complaints')
    .whereIn('reference_no', references)
    .select('id', 'reference_no', 'content_hash', 'disposal_report', 'disposed_at', 'redisposed');
}

/**
 * One multi-row INSERT … VALUES for many rows, written by hand: knex writes SQLite's multi-row insert
 * as a UNION ALL of SELECTs, which SQLite caps at 500 terms and which is slower.
 */
async function insertMany(
  trx: Knex,
  table: string,
  rows: Record<string, unknown>[],
  onConflict: { target: string[]; update: readonly string[] | 'nothing' },
): Promise<void> {
  if (rows.length === 0) return;
  const mysql = engineOf(trx) === 'mysql';
  const q = (name: string) => (mysql ? `\`${name}\`` : `"${name}"`);
  const columns = Object.keys(rows[0]!);
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const bindings: unknown[] = [];
  for (const row of rows) {
    for (const c of columns) {
      const v = row[c];
      bindings.push(typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null));
    }
  }
  let sql = `INSERT ${mysql && onConflict.update === 'nothing' ? 'IGNORE ' : ''}INTO ${q(table)} (${columns.map(q).join(',')}) VALUES ${rows.map(() => tuple).join(',')}`;
  if (onConflict.update !== 'nothing') {
    sql += mysql
      ? ` ON DUPLICATE KEY UPDATE ${onConflict.update.map((c) => `${q(c)}=VALUES(${q(c)})`).join(',')}`
      : ` ON CONFLICT (${onConflict.target.map(q).join(',')}) DO UPDATE SET ${onConflict.update.map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`;
  } else if (!mysql) sql += ` ON CONFLICT (${onConflict.target.map(q).join(',')}) DO NOTHING`;
  await trx.raw(sql, bindings as Knex.RawBinding[]);
}

interface SqliteStatement {
  run(values: unknown[]): unknown;
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}
const sqliteUpserts = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();

/**
 * Writes new and changed complaints: INSERT … ON CONFLICT(reference_no) DO UPDATE. MySQL gets one
 * multi-row statement a chunk (one round trip); SQLite, which runs in-process, one prepared statement
 * run per row on the transaction's own connection, which is what SQLite is fastest at.
 */
export async function upsertComplaints(trx: Knex, rows: ComplaintWrite[]): Promise<void> {
  if (rows.length === 0) return;
  if (engineOf(trx) === 'mysql') {
    await insertMany(trx, 'complaints', rows, { target: ['reference_no'], update: MERGED_COLUMNS });
    return;
  }
  // Inside a transaction, knex hands out the transaction's connection.
  const conn = await (trx.client as { acquireConnection(): Promise<SqliteConnection> }).acquireConnection();
  const columns = Object.keys(rows[0]!);
  const key = columns.join(',');
  let cache = sqliteUpserts.get(conn);
  if (!cache) sqliteUpserts.set(conn, (cache = new Map()));
  let statement = cache.get(key);
  if (!statement) {
    const q = (c: string) => `"${c}"`;
    statement = conn.prepare(
      `INSERT INTO "complaints" (${columns.map(q).join(',')}) VALUES (${columns.map(() => '?').join(',')}) ` +
        `ON CONFLICT ("reference_no") DO UPDATE SET ${MERGED_COLUMNS.map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`,
    );
    cache.set(key, statement);
  }
  const values = new Array<unknown>(columns.length);
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const v = row[columns[i]!];
      values[i] = typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null);
    }
    statement.run(values);
  }
}

export async function insertReportHistory(
  trx: Knex,
  rows: {
    complaint_id: number;
    disposal_report: string | null;
    disposed_at: string | null;
    replaced_by_batch_id: number | null;
    replaced_at: string;
  }[],
): Promise<void> {
  if (rows.length > 0) await trx('complaint_report_history').insert(rows);
}

export interface OfficerKey {
  district_id: number;
  department_id: number;
  name: string;
  designation: string;
}

/** Finds officers by (district, department, name, designation), creating the missing ones. */
export async function findOrCreateOfficers(
  trx: Knex,
  keys: OfficerKey[],
  now: string,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (keys.length === 0) return found;
  for (let i = 0; i < keys.length; i += 1000) {
    await insertMany(
      trx,
      'officers',
      keys.slice(i, i + 1000).map((k) => ({ ...k, created_at: now, updated_at: now })),
      { target: ['district_id', 'department_id', 'name', 'designation'], update: 'nothing' },
    );
  }
  const names = [...new Set(keys.map((k) => k.name))];
  for (let i = 0; i < names.length; i += 1000) {
    const rows = (await trx('officers')
      .whereIn('name', names.slice(i, i + 1000))
      .select('id', 'district_id', 'department_id', 'name', 'designation')) as (OfficerKey & {
      id: number;
    })[];
    for (const r of rows) found.set(officerKey(r), r.id);
  }
  return found;
}

export const officerKey = (k: OfficerKey): string =>
  `${k.district_id}\u0001${k.department_id}\u0001${k.name}\u0001${k.designation}`;

export async function masterIds(db: Knex): Promise<{
  districts: { id: number; code: string; name_en: string; name_hi: string }[];
  departments: { id: number; code: string; name_en: string; name_hi: string; aliases: string }[];
}> {
  const [districts, departments] = await Promise.all([
    db('districts').select('id', 'code', 'name_en', 'name_hi'),
    db('departments').select('id', 'code', 'name_en', 'name_hi', 'aliases'),
  ]);
  return { districts, departments };
}
