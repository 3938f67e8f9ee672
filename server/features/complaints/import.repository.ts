// The SQL of an import: batches and their errors, complaints written a chunk at a time, officers found or made.
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { engineOf } from '../../db/knex.js';
import { ByteWriter } from './import/byte-writer.js';
import { RawText } from './import/raw-text.js';
import type { ComplaintWrite, ImportErrorRow, OfficerKey } from './import/read-export.js';

export type { ComplaintWrite, ImportErrorRow, OfficerKey } from './import/read-export.js';

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

/** What the importer compares a row of the file with. */
export interface ExistingComplaint {
  id: number;
  reference_no: string;
  content_hash: string | null;
  disposal_report: string | null;
  disposed_at: string | null;
  redisposed: boolean | number;
}

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

/** Who may see a batch (docs/import-columns.md, "Who sees a batch"). */
export interface BatchViewer {
  id: number;
  districtIds: number[] | 'all';
}

/** Limits a query on `import_batches as b` to the batches the user may see. */
function visibleTo<T extends Knex.QueryBuilder>(query: T, user: BatchViewer): T {
  if (user.districtIds === 'all') return query;
  const districts = user.districtIds;
  return query.where((q) => {
    q.where('b.user_id', user.id);
    if (districts.length > 0) {
      q.orWhereExists((e) =>
        e
          .select(1)
          .from('import_batch_districts as bd')
          .whereRaw('bd.batch_id = b.id')
          .whereIn('bd.district_id', districts),
      );
    }
  }) as T;
}

export async function listRecentBatches(
  db: Knex,
  user: BatchViewer,
  limit = 20,
): Promise<(BatchRow & { user_name: string | null })[]> {
  return visibleTo(
    db('import_batches as b')
      .leftJoin('users as u', 'u.id', 'b.user_id')
      .select('b.*', 'u.display_name as user_name')
      .orderBy('b.id', 'desc')
      .limit(limit),
    user,
  );
}

/** The batch, if the user may see it. */
export async function findVisibleBatch(
  db: Knex,
  user: BatchViewer,
  id: number,
): Promise<BatchRow | undefined> {
  return visibleTo(db('import_batches as b').where('b.id', id).select('b.*'), user).first() as Promise<
    BatchRow | undefined
  >;
}

/** Records the districts a batch's rows belong to (once, when the batch closes). */
export async function insertBatchDistricts(trx: Knex, batchId: number, districtIds: number[]): Promise<void> {
  if (districtIds.length === 0) return;
  await trx('import_batch_districts').insert(
    districtIds.map((district_id) => ({ batch_id: batchId, district_id })),
  );
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

/** The stored complaints of these references; with `exceptBatch`, leaving out those that batch wrote. */
export async function findExistingComplaints(
  trx: Knex,
  references: string[],
  exceptBatch?: number,
): Promise<ExistingComplaint[]> {
  const q = trx('complaints')
    .whereIn('reference_no', references)
    .select('id', 'reference_no', 'content_hash', 'disposal_report', 'disposed_at', 'redisposed');
  if (exceptBatch !== undefined) {
    q.where((w) => w.whereNot('import_batch_id', exceptBatch).orWhereNull('import_batch_id'));
  }
  return q;
}

// The values of one multi-row statement, counted as UTF-16 units × 3 (an upper bound on their UTF-8
// bytes): under MariaDB's default max_allowed_packet of 16 MB, so a chunk of long rows is split in time.
const STATEMENT_BYTES = 12_000_000;

/**
 * Multi-row INSERT … VALUES statements for many rows, written by hand: knex writes SQLite's multi-row
 * insert as a UNION ALL of SELECTs, which SQLite caps at 500 terms and which is slower. Rows go into
 * as few statements as the statement size allows.
 */
async function insertMany(
  trx: Knex,
  table: string,
  rows: Record<string, unknown>[],
  onConflict: { target: readonly string[]; update: readonly string[] | 'nothing' },
  returning?: readonly string[],
): Promise<Record<string, unknown>[]> {
  const returned: Record<string, unknown>[] = [];
  if (rows.length === 0) return returned;
  const mysql = engineOf(trx) === 'mysql';
  const q = (name: string) => (mysql ? `\`${name}\`` : `"${name}"`);
  const columns = Object.keys(rows[0]!);
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const head = `INSERT ${mysql && onConflict.update === 'nothing' ? 'IGNORE ' : ''}INTO ${q(table)} (${columns.map(q).join(',')}) VALUES `;
  let tail = '';
  if (onConflict.update !== 'nothing') {
    tail = mysql
      ? ` ON DUPLICATE KEY UPDATE ${onConflict.update.map((c) => `${q(c)}=VALUES(${q(c)})`).join(',')}`
      : ` ON CONFLICT (${onConflict.target.map(q).join(',')}) DO UPDATE SET ${onConflict.update.map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`;
  } else if (!mysql) tail = ` ON CONFLICT (${onConflict.target.map(q).join(',')}) DO NOTHING`;
  if (returning) tail += ` RETURNING ${returning.map(q).join(',')}`;
  // SQLite binds at most 32,766 values a statement.
  const maxRows = mysql ? Infinity : Math.floor(32_000 / columns.length);
  let bindings: unknown[] = [];
  let tuples = 0;
  let chars = 0;
  const flush = async () => {
    if (tuples === 0) return;
    const sql = head + new Array<string>(tuples).fill(tuple).join(',') + tail;
    const result = (await trx.raw(sql, bindings as Knex.RawBinding[])) as unknown;
    if (returning) {
      for (const r of (mysql ? (result as [unknown[]])[0] : result) as Record<string, unknown>[])
        returned.push(r);
    }
    bindings = [];
    tuples = 0;
    chars = 0;
  };
  for (const row of rows) {
    let size = 0;
    for (const c of columns) {
      const v = row[c];
      if (typeof v === 'string') size += v.length;
      else if (v instanceof RawText) size += v.byteLength;
    }
    if (tuples > 0 && (tuples >= maxRows || (chars + size) * 3 > STATEMENT_BYTES)) await flush();
    for (const c of columns) bindings.push(bindingOf(row[c]));
    tuples++;
    chars += size + columns.length * 4;
  }
  await flush();
  return returned;
}

/** A value as a driver binds it: booleans as 0/1, texts kept as bytes as strings (Buffers would be BLOBs). */
function bindingOf(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof RawText) return v.toString();
  return v ?? null;
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
  const { statement, columns } = await sqliteComplaintWriter(trx, rows[0]!, 'upsert');
  const values = new Array<unknown>(columns.length);
  for (const row of rows) {
    sqliteValues(row, columns, values);
    statement.run(values);
  }
}

/**
 * A cached prepared INSERT of complaints with these columns, on the transaction's own connection:
 * `upsert` merges a stored complaint of the same reference, `insert` refuses it.
 */
async function sqliteComplaintWriter(trx: Knex, sample: ComplaintWrite, kind: 'upsert' | 'insert') {
  // Inside a transaction, knex hands out the transaction's connection.
  const conn = await (trx.client as { acquireConnection(): Promise<SqliteConnection> }).acquireConnection();
  const columns = Object.keys(sample);
  const key = `${kind}:${columns.join(',')}`;
  let cache = sqliteUpserts.get(conn);
  if (!cache) sqliteUpserts.set(conn, (cache = new Map()));
  let statement = cache.get(key);
  if (!statement) {
    const q = (c: string) => `"${c}"`;
    statement = conn.prepare(
      `INSERT INTO "complaints" (${columns.map(q).join(',')}) VALUES (${columns.map(() => '?').join(',')})` +
        (kind === 'insert'
          ? ''
          : ` ON CONFLICT ("reference_no") DO UPDATE SET ${MERGED_COLUMNS.map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`),
    );
    cache.set(key, statement);
  }
  return { statement, columns };
}

function sqliteValues(row: ComplaintWrite, columns: string[], values: unknown[]): void {
  for (let i = 0; i < columns.length; i++) {
    values[i] = bindingOf(row[columns[i]!]);
  }
}

/**
 * SQLite: plain INSERTs, a fifth cheaper than the upsert when nothing conflicts (the usual case, as the
 * chunk's references were just looked up). A complaint that another process stored meanwhile fails
 * its own statement only (SQLite's default ABORT) and is merged by the upsert after.
 */
async function insertNewSqliteComplaints(trx: Knex, rows: ComplaintWrite[]): Promise<void> {
  const { statement, columns } = await sqliteComplaintWriter(trx, rows[0]!, 'insert');
  const values = new Array<unknown>(columns.length);
  const conflicting: ComplaintWrite[] = [];
  for (const row of rows) {
    sqliteValues(row, columns, values);
    try {
      statement.run(values);
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      conflicting.push(row);
    }
  }
  await upsertComplaints(trx, conflicting);
}

interface MysqlConnection {
  query(
    options: { sql: string; infileStreamFactory: () => Readable },
    callback: (
      error: (Error & { errno?: number }) | null,
      result: { affectedRows: number; warningStatus: number },
    ) => void,
  ): void;
}
// Knex clients whose server refuses LOAD DATA LOCAL INFILE (local_infile off): they get INSERTs.
const noLocalInfile = new WeakSet<object>();
// ER_NOT_ALLOWED_COMMAND (MySQL/MariaDB), ER_LOAD_INFILE_CAPABILITY_DISABLED (MariaDB), ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8).
const LOCAL_INFILE_REFUSED = new Set([1148, 4166, 3948]);
// What LOAD DATA's ESCAPED BY '\\' reads specially; (the /g form for replace, the plain one for test).
// eslint-disable-next-line no-control-regex -- NUL is one of the characters LOAD DATA reads specially
const TSV_SPECIAL = /[\\\t\n\r\u0000]/g;
// eslint-disable-next-line no-control-regex -- as above
const HAS_TSV_SPECIAL = /[\\\t\n\r\u0000]/;
const TSV_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\u0000': '\\0',
};

function tsvValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  const s = String(v);
  return HAS_TSV_SPECIAL.test(s) ? s.replace(TSV_SPECIAL, (c) => TSV_ESCAPES[c]!) : s;
}

const BACKSLASH = 0x5c;
// TSV_ESCAPES as bytes: each special byte, and the letter that follows the backslash in its place.
const TSV_ESCAPED_BYTES: Record<number, number> = Object.fromEntries(
  Object.entries(TSV_ESCAPES).map(([c, escape]) => [c.charCodeAt(0), escape.charCodeAt(1)]),
);
const TSV_SPECIAL_BYTES = Object.keys(TSV_ESCAPED_BYTES).map(Number);

/** Tab-separated text for LOAD DATA, built as bytes: texts kept as bytes are copied, not decoded and encoded. */
class TsvBlock extends ByteWriter {
  /** UTF-8 bytes with LOAD DATA's specials escaped (ASCII bytes never occur inside a multi-byte character). */
  override bytes(bytes: Buffer): void {
    if (TSV_SPECIAL_BYTES.every((b) => bytes.indexOf(b) === -1)) return super.bytes(bytes);
    this.room(bytes.length * 2);
    const out = this.buffer;
    let n = this.n;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      const escaped = b < 0x60 ? TSV_ESCAPED_BYTES[b] : undefined;
      if (escaped === undefined) out[n++] = b;
      else {
        out[n++] = BACKSLASH;
        out[n++] = escaped;
      }
    }
    this.n = n;
  }
}

/** The rows as LOAD DATA's tab-separated lines, a block of rows at a time. */
function* tsvBlocks(rows: ComplaintWrite[], columns: string[]): Generator<Buffer> {
  for (let i = 0; i < rows.length; i += 500) {
    const block = new TsvBlock(1 << 20);
    let text = '';
    for (const row of rows.slice(i, i + 500)) {
      for (let c = 0; c < columns.length; c++) {
        const v = row[columns[c]!];
        if (c > 0) text += '\t';
        if (v instanceof RawText) {
          block.text(text);
          text = '';
          block.bytes(v.bytes);
        } else text += tsvValue(v);
      }
      text += '\n';
    }
    block.text(text);
    yield block.written();
  }
}

/**
 * Writes complaints that the import found not yet stored: on MySQL/MariaDB through bulkLoadComplaints,
 * and a row that another import stored meanwhile by the upsert instead. SQLite: insertNewSqliteComplaints.
 */
export async function insertNewComplaints(trx: Knex, rows: ComplaintWrite[]): Promise<void> {
  if (rows.length === 0) return;
  if (engineOf(trx) !== 'mysql') return insertNewSqliteComplaints(trx, rows);
  const loaded = await bulkLoadComplaints(trx, rows);
  if (loaded !== rows.length) await upsertComplaints(trx, rows);
}

/**
 * MySQL/MariaDB: stores the complaints whose reference is not stored yet through the server's bulk
 * loader (LOAD DATA LOCAL INFILE, fed from memory, in the caller's transaction), which parses plain
 * tab-separated text instead of one large INSERT: most of the write on a large import. A row whose
 * reference is stored already is skipped (LOAD DATA LOCAL makes the duplicate key a warning). Any
 * other warning (a value the table would bend) fails the chunk, so nothing is stored altered.
 * Returns how many rows were stored, or undefined when the server refuses local files (local_infile
 * off; nothing was written).
 */
export async function bulkLoadComplaints(trx: Knex, rows: ComplaintWrite[]): Promise<number | undefined> {
  if (rows.length === 0) return 0;
  if (noLocalInfile.has(trx.client)) return undefined;
  const conn = await (trx.client as { acquireConnection(): Promise<MysqlConnection> }).acquireConnection();
  const columns = Object.keys(rows[0]!);
  const sql =
    `LOAD DATA LOCAL INFILE 'complaints.tsv' INTO TABLE complaints CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.map((c) => `\`${c}\``).join(',')})`;
  let result: { affectedRows: number; warningStatus: number };
  try {
    result = await new Promise((resolve, reject) =>
      conn.query({ sql, infileStreamFactory: () => Readable.from(tsvBlocks(rows, columns)) }, (error, r) =>
        error ? reject(error) : resolve(r),
      ),
    );
  } catch (error) {
    if (!LOCAL_INFILE_REFUSED.has((error as { errno?: number }).errno ?? 0)) throw error;
    noLocalInfile.add(trx.client);
    return undefined;
  }
  // Each skipped duplicate is one warning: more warnings than skipped rows means another kind too.
  if (result.warningStatus > rows.length - result.affectedRows) {
    const [warnings] = (await trx.raw('SHOW WARNINGS')) as [{ Code: number; Message: string }[]];
    const other = warnings.find((w) => w.Code !== 1062); // 1062: duplicate key
    throw new Error(`complaints bulk load: ${other?.Message ?? 'a value would have been changed'}`);
  }
  return result.affectedRows;
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

/**
 * Finds officers by (district, department, name, designation), creating the missing ones. Names match
 * exactly on both engines (utf8mb4_bin on MySQL), as the keys in the returned map do.
 */
export async function findOrCreateOfficers(
  trx: Knex,
  keys: OfficerKey[],
  now: string,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (keys.length === 0) return found;
  // The new officers' ids come back with the INSERT (RETURNING: SQLite, MariaDB 10.5+), so only those
  // stored before are looked up: one round trip less a chunk while an import still meets new officers.
  const returning = !noReturning.has(trx.client) ? OFFICER_COLUMNS : undefined;
  const target = {
    target: ['district_id', 'department_id', 'name', 'designation'],
    update: 'nothing',
  } as const;
  for (let i = 0; i < keys.length; i += 1000) {
    const slice = keys.slice(i, i + 1000).map((k) => ({ ...k, created_at: now, updated_at: now }));
    let inserted: Record<string, unknown>[];
    try {
      inserted = await insertMany(trx, 'officers', slice, target, returning);
    } catch (error) {
      // MySQL has no INSERT … RETURNING (ER_PARSE_ERROR); a failed statement leaves the transaction usable.
      if (!returning || (error as { errno?: number }).errno !== 1064) throw error;
      noReturning.add(trx.client);
      return findOrCreateOfficers(trx, keys, now);
    }
    for (const r of inserted as unknown as OfficerRow[]) found.set(officerKey(r), r.id);
  }
  const stored = found.size === 0 ? keys : keys.filter((k) => !found.has(officerKey(k)));
  // The ids of exactly these officers, through the unique index (a lookup by name alone scans the table).
  const mysql = engineOf(trx) === 'mysql';
  for (let i = 0; i < stored.length; i += 500) {
    const slice = stored.slice(i, i + 500);
    const tuples = slice.map(() => '(?,?,?,?)').join(',');
    const bindings = slice.flatMap((k) => [k.district_id, k.department_id, k.name, k.designation]);
    const rows = (await trx.raw(
      'SELECT id, district_id, department_id, name, designation FROM officers ' +
        `WHERE (district_id, department_id, name, designation) IN (${mysql ? '' : 'VALUES '}${tuples})`,
      bindings,
    )) as unknown;
    for (const r of (mysql ? (rows as [OfficerRow[]])[0] : rows) as OfficerRow[])
      found.set(officerKey(r), r.id);
  }
  return found;
}

type OfficerRow = OfficerKey & { id: number };
const OFFICER_COLUMNS = ['id', 'district_id', 'department_id', 'name', 'designation'] as const;
// Knex clients whose server has no INSERT … RETURNING (MySQL): their new officers are looked up.
const noReturning = new WeakSet<object>();

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
