// Imports an IGRS export: streams its rows, validates them, and writes complaints a chunk at a time in transactions.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Knex } from 'knex';
import type { AuditLog } from '../audit/audit-log.js';
import { type Clock, nowDb, systemClock } from '../../shared/dates.js';
import { DEPARTMENTS, DISTRICTS, type MasterEntry } from './master-data.js';
import { columnSpec, looksLikeHeaderRow, mapHeaders } from './import/columns.js';
import { departmentMatcher, districtMatcher } from './import/name-matcher.js';
import { ImportFileError, openRowSource, type RowSource } from './import/row-reader.js';
import { createRowValidator, type ComplaintRecord, type RowError } from './import/validate-row.js';
import {
  type BatchCounts,
  type ComplaintWrite,
  type ImportErrorRow,
  type OfficerKey,
  findExistingComplaints,
  findOrCreateOfficers,
  insertBatch,
  insertImportErrors,
  insertReportHistory,
  masterIds,
  officerKey,
  updateBatch,
  upsertComplaints,
} from './import.repository.js';
import { queueReverification, type QueuedReverification } from '../review/reverification.js';
import type { EventBus } from '../../shared/events.js';

/**
 * Exports often leave the designation out; the officers table needs one to tell two officers of the
 * same name apart. A dash keeps them findable and is plainly "not given" in either language.
 */
export const DESIGNATION_NOT_GIVEN = '—';
/** Rows per transaction: on MySQL one multi-row upsert of about 4 MB (max_allowed_packet is 16 MB+). */
export const DEFAULT_CHUNK_ROWS = 2000;
// Row errors kept in memory before they are written; a file of bad rows stays flat in memory too.
const ERROR_FLUSH = 2000;

export interface ImportOptions {
  filePath: string;
  /** The name the user knows the file by (uploads are stored under a temporary name). */
  fileName: string;
  userId: number | null;
  sheet?: string;
  /** Read, validate and compare with the database, but write no complaint. */
  dryRun?: boolean;
  chunkRows?: number;
  /** Called with the batch id as soon as the batch exists (the upload page polls it). */
  onBatch?: (batchId: number) => void;
}

export interface ImportSummary {
  batchId: number;
  fileName: string;
  sha256: string;
  status: 'done' | 'refused' | 'failed';
  dryRun: boolean;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Rows imported with a remark (a complaint without a valid mobile). */
  warnings: number;
  redisposed: number;
  /** Why the file was refused or the import failed: a message key and its parameters. */
  message?: { key: string; params: Record<string, string | number> };
}

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
}

interface Deps {
  db: Knex;
  clock?: Clock;
  audit: AuditLog;
  /** Where re-verification tasks are announced to the board; the CLI and benchmarks run without one. */
  events?: EventBus;
}

/** A complaint ready to write, with what the comparison needs. */
interface PreparedRow {
  reference: string;
  hash: string;
  write: ComplaintWrite;
  officer: OfficerKey | null;
}

export class ImportService {
  private readonly progress = new Map<number, ImportProgress>();
  private readonly clock: Clock;

  constructor(private readonly deps: Deps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Progress of an import running in this process; undefined once it has finished. */
  progressOf(batchId: number): ImportProgress | undefined {
    return this.progress.get(batchId);
  }

  async importFile(options: ImportOptions): Promise<ImportSummary> {
    const { db } = this.deps;
    const dryRun = options.dryRun ?? false;
    const hashing = sha256File(options.filePath);
    hashing.catch(() => undefined);
    const batchId = await insertBatch(db, {
      file_name: options.fileName,
      user_id: options.userId,
      dry_run: dryRun,
      started_at: nowDb(this.clock),
    });
    options.onBatch?.(batchId);
    const summary: ImportSummary = {
      batchId,
      fileName: options.fileName,
      sha256: '',
      status: 'done',
      dryRun,
      rowsRead: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      warnings: 0,
      redisposed: 0,
    };
    const totalBytes = (await fs.promises.stat(options.filePath).catch(() => ({ size: 0 }))).size;
    const progress: ImportProgress = { bytesRead: 0, totalBytes, rowsRead: 0 };
    this.progress.set(batchId, progress);
    let source: RowSource | undefined;
    try {
      source = await openRowSource(options.filePath, {
        sheet: options.sheet,
        isHeaderRow: looksLikeHeaderRow,
      });
      const mapping = mapHeaders(source.headers);
      if (mapping.missing.length > 0) {
        throw new ImportFileError('import.error.missingColumns', {
          columns: mapping.missing
            .map((k) => `${columnSpec(k).labelHi} / ${columnSpec(k).labelEn}`)
            .join(', '),
        });
      }
      const warnings: ImportErrorRow[] = mapping.duplicates.map((d) => ({
        batch_id: batchId,
        row_number: source!.headerRowNumber,
        column_name: d.headers.join(', ').slice(0, 100),
        reason_key: 'import.warning.duplicateColumn',
        detail: JSON.stringify({ column: columnSpec(d.column).labelEn, headers: d.headers.join(', ') }),
      }));
      await this.readRows(
        source,
        mapping,
        batchId,
        dryRun,
        options.chunkRows ?? DEFAULT_CHUNK_ROWS,
        summary,
        progress,
        warnings,
      );
    } catch (error) {
      if (error instanceof ImportFileError) {
        // Damage found mid-file (a stray quote): the chunks before it are written and stay; a fixed
        // file imported again finishes the job, since unchanged rows are skipped.
        summary.status = summary.rowsRead === 0 ? 'refused' : 'failed';
        summary.message = { key: error.key, params: error.params };
      } else {
        summary.status = 'failed';
        summary.message = {
          key: 'import.error.failed',
          params: { detail: String((error as Error).message ?? error).slice(0, 300) },
        };
      }
    } finally {
      source?.close();
      this.progress.delete(batchId);
    }
    summary.sha256 = await hashing.catch(() => '');
    await this.finish(summary, options.userId);
    return summary;
  }

  private async readRows(
    source: RowSource,
    mapping: ReturnType<typeof mapHeaders>,
    batchId: number,
    dryRun: boolean,
    chunkRows: number,
    summary: ImportSummary,
    progress: ImportProgress,
    errors: ImportErrorRow[],
  ): Promise<void> {
    const { db } = this.deps;
    const master = await masterIds(db);
    const districtIds = new Map(master.districts.map((d) => [d.code, d.id]));
    const departmentIds = new Map(master.departments.map((d) => [d.code, d.id]));
    const validate = createRowValidator(mapping, {
      districts: districtMatcher(withStaticAliases(master.districts, DISTRICTS)),
      departments: departmentMatcher(
        master.departments.map((d) => ({
          code: d.code,
          nameEn: d.name_en,
          nameHi: d.name_hi,
          aliases: [
            ...parseAliases(d.aliases),
            ...(DEPARTMENTS.find((s) => s.code === d.code)?.aliases ?? []),
          ],
        })),
      ),
    });
    // Rows already seen in this file, to reject a repeated reference. Numeric references (the usual
    // IGRS form) are kept as numbers: a million of them then costs tens of MB, not hundreds.
    const seenNumeric = new Map<number, number>();
    const seenText = new Map<string, number>();
    const officers = new Map<string, number>();
    let chunk: PreparedRow[] = [];

    const flushErrors = async (force: boolean) => {
      if (errors.length === 0 || (!force && errors.length < ERROR_FLUSH)) return;
      await insertImportErrors(db, errors.splice(0, errors.length));
    };
    // The next chunk is read and validated while the database writes the previous one.
    let writing: Promise<void> = Promise.resolve();
    let countsWrittenAt = 0;
    const flushChunk = async () => {
      if (chunk.length === 0) return;
      const rows = chunk;
      chunk = [];
      await writing;
      writing = (async () => {
        await this.writeChunk(rows, batchId, dryRun, summary, officers);
        await flushErrors(false);
        progress.rowsRead = summary.rowsRead;
        progress.bytesRead = source.bytesRead();
        // The counts on the batch row are for the upload page's progress: once a second is plenty.
        if (Date.now() - countsWrittenAt > 1000) {
          countsWrittenAt = Date.now();
          await updateBatch(db, batchId, batchCounts(summary));
        }
      })();
      writing.catch(() => undefined); // surfaces at the next await of `writing`
    };

    try {
      for await (const row of source.rows) {
        summary.rowsRead++;
        const result = validate(row);
        let record: ComplaintRecord;
        if (result.ok) record = result.record;
        else {
          const mobileOnly = result.errors.every((e) => e.field === 'mobile');
          if (!mobileOnly) {
            summary.rejected++;
            for (const e of result.errors) errors.push(errorRow(batchId, e));
            if (errors.length >= ERROR_FLUSH) await flushErrors(true);
            continue;
          }
          // A complaint without a valid mobile is still a disposed complaint the desk must know of; it
          // is imported without a number (and so left out of every sampling frame), with a warning.
          const retry = validate({ ...row, cells: withoutMobile(row.cells, mapping.columns.mobile!) });
          if (!retry.ok) {
            summary.rejected++;
            for (const e of result.errors) errors.push(errorRow(batchId, e));
            continue;
          }
          record = { ...retry.record, mobile: '' };
          summary.warnings++;
          for (const e of result.errors) errors.push(warningRow(batchId, e));
        }
        const firstRow = rememberReference(record.reference_no, row.rowNumber, seenNumeric, seenText);
        if (firstRow !== undefined) {
          summary.rejected++;
          errors.push({
            batch_id: batchId,
            row_number: row.rowNumber,
            column_name: (mapping.columns.reference_no ?? 'reference_no').slice(0, 100),
            reason_key: 'import.error.duplicateReference',
            detail: JSON.stringify({ firstRow, value: record.reference_no }),
          });
          continue;
        }
        chunk.push(prepare(record, districtIds, departmentIds, batchId));
        if (chunk.length >= chunkRows) await flushChunk();
      }
      await flushChunk();
      await writing;
    } finally {
      // A file error ends the loop; the chunk being written still finishes before the batch closes.
      await writing.catch(() => undefined);
    }
    await flushErrors(true);
    progress.bytesRead = progress.totalBytes;
  }

  /** One transaction: compare the chunk with the stored complaints, then write what changed. */
  private async writeChunk(
    rows: PreparedRow[],
    batchId: number,
    dryRun: boolean,
    summary: ImportSummary,
    officers: Map<string, number>,
  ): Promise<void> {
    const now = nowDb(this.clock);
    const work = async (trx: Knex) => {
      const existing = new Map(
        (
          await findExistingComplaints(
            trx,
            rows.map((r) => r.reference),
          )
        ).map((c) => [c.reference_no, c]),
      );
      const writes: ComplaintWrite[] = [];
      const history: Parameters<typeof insertReportHistory>[1] = [];
      const wantedOfficers: PreparedRow[] = [];
      for (const row of rows) {
        const old = existing.get(row.reference);
        if (old && old.content_hash === row.hash) {
          summary.unchanged++;
          continue;
        }
        if (old) {
          summary.updated++;
          const newReport = row.write.disposal_report as string | null;
          const reportChanged =
            old.disposal_report !== null &&
            old.disposal_report !== '' &&
            newReport !== null &&
            newReport !== old.disposal_report;
          // Re-disposed: the status stays what the export says (so a session still finds it among
          // disposed complaints) and the flag says the report was replaced; the old one is kept.
          row.write.redisposed = Boolean(old.redisposed) || reportChanged;
          if (reportChanged) {
            summary.redisposed++;
            history.push({
              complaint_id: old.id,
              disposal_report: old.disposal_report,
              disposed_at: old.disposed_at,
              replaced_by_batch_id: batchId,
              replaced_at: now,
            });
          }
        } else summary.inserted++;
        row.write.created_at = now;
        row.write.updated_at = now;
        writes.push(row.write);
        if (row.officer) wantedOfficers.push(row);
      }
      if (dryRun || writes.length === 0) return;
      await this.attachOfficers(trx, wantedOfficers, officers, now);
      await upsertComplaints(trx, writes);
      await insertReportHistory(trx, history);
      // A rejected report that comes back re-disposed is called again; the task is made with the write.
      for (const h of history) {
        const queued = await queueReverification(trx as Knex.Transaction, h.complaint_id, this.clock);
        if (queued?.created) requeued.push(queued);
      }
    };
    const requeued: QueuedReverification[] = [];
    if (dryRun) await work(this.deps.db);
    else await this.deps.db.transaction(work);
    for (const q of requeued) {
      this.deps.events?.emit('task:changed', {
        taskId: q.taskId,
        sessionId: q.sessionId,
        districtId: q.districtId,
        status: 'queued',
        userId: null,
      });
    }
  }

  private async attachOfficers(
    trx: Knex,
    rows: PreparedRow[],
    known: Map<string, number>,
    now: string,
  ): Promise<void> {
    const missing = new Map<string, OfficerKey>();
    for (const row of rows) {
      const key = officerKey(row.officer!);
      if (!known.has(key)) missing.set(key, row.officer!);
    }
    let found = new Map<string, number>();
    if (missing.size > 0) {
      found = await findOrCreateOfficers(trx, [...missing.values()], now);
      // Only the officers asked for: the lookup by name also returns namesakes elsewhere.
      for (const key of missing.keys()) {
        const id = found.get(key);
        if (id !== undefined && known.size < 100_000) known.set(key, id);
      }
    }
    for (const row of rows) {
      const key = officerKey(row.officer!);
      row.write.officer_id = known.get(key) ?? found.get(key) ?? null;
    }
  }

  /** Closes the batch with its counts and one audit entry, in one transaction. */
  private async finish(summary: ImportSummary, userId: number | null): Promise<void> {
    const now = nowDb(this.clock);
    await this.deps.db.transaction(async (trx) => {
      if (summary.message && summary.status === 'refused') {
        await insertImportErrors(trx, [
          {
            batch_id: summary.batchId,
            row_number: 0,
            column_name: null,
            reason_key: summary.message.key,
            detail: JSON.stringify(summary.message.params),
          },
        ]);
      }
      await updateBatch(trx, summary.batchId, {
        ...batchCounts(summary),
        status: summary.status,
        file_sha256: summary.sha256 || null,
        message: summary.message ? JSON.stringify(summary.message) : null,
        finished_at: now,
      });
      await this.deps.audit.record(trx, {
        userId,
        action: summary.status === 'done' ? 'import.completed' : `import.${summary.status}`,
        entity: 'import_batch',
        entityId: summary.batchId,
        after: {
          file: summary.fileName,
          sha256: summary.sha256,
          dryRun: summary.dryRun,
          read: summary.rowsRead,
          inserted: summary.inserted,
          updated: summary.updated,
          unchanged: summary.unchanged,
          rejected: summary.rejected,
          redisposed: summary.redisposed,
          ...(summary.message ? { message: summary.message.key } : {}),
        },
      });
    });
  }
}

function batchCounts(s: ImportSummary): BatchCounts {
  return {
    rows_read: s.rowsRead,
    rows_inserted: s.inserted,
    rows_updated: s.updated,
    rows_unchanged: s.unchanged,
    rows_rejected: s.rejected,
  };
}

function errorRow(batchId: number, e: RowError): ImportErrorRow {
  return {
    batch_id: batchId,
    row_number: e.row,
    column_name: e.column.slice(0, 100),
    reason_key: e.reasonKey,
    detail: JSON.stringify(e.params),
  };
}

/** A mobile problem on an imported row: import.error.badMobile → import.warning.badMobile. */
function warningRow(batchId: number, e: RowError): ImportErrorRow {
  const reason = e.reasonKey === 'import.error.missingValue' ? 'import.error.missingMobile' : e.reasonKey;
  return { ...errorRow(batchId, e), reason_key: reason.replace('import.error.', 'import.warning.') };
}

function withoutMobile(cells: Record<string, unknown>, header: string) {
  const copy = { ...cells } as Record<string, string>;
  copy[header] = '9876543210'; // passes as a mobile; the caller drops it
  return copy;
}

function rememberReference(
  reference: string,
  rowNumber: number,
  numeric: Map<number, number>,
  text: Map<string, number>,
): number | undefined {
  if (reference.length <= 15 && /^[1-9]\d*$/.test(reference)) {
    const n = Number(reference);
    const first = numeric.get(n);
    if (first === undefined) numeric.set(n, rowNumber);
    return first;
  }
  const first = text.get(reference);
  if (first === undefined) text.set(reference, rowNumber);
  return first;
}

const dbTime = (d: Date | null): string | null =>
  d === null ? null : d.toISOString().slice(0, 23).replace('T', ' ');

function prepare(
  r: ComplaintRecord,
  districtIds: Map<string, number>,
  departmentIds: Map<string, number>,
  batchId: number,
): PreparedRow {
  const districtId = districtIds.get(r.district_code!)!;
  const departmentId = departmentIds.get(r.department_code!)!;
  const extra = Object.keys(r.extra).length > 0 ? JSON.stringify(r.extra) : null;
  const write: ComplaintWrite = {
    reference_no: r.reference_no,
    source: r.source,
    received_at: dbTime(r.received_at),
    due_at: dbTime(r.due_at),
    disposed_at: dbTime(r.disposed_at),
    complainant_name: r.complainant_name,
    mobile: r.mobile === '' ? null : r.mobile,
    address: r.address,
    district_id: districtId,
    tehsil: r.tehsil,
    block: r.block,
    thana: r.thana,
    department_id: departmentId,
    officer_id: null,
    subject: r.subject,
    complaint_text: r.complaint_text,
    disposal_report: r.disposal_report,
    status: r.status,
    redisposed: false,
    extra,
    content_hash: '',
    import_batch_id: batchId,
  };
  // Every field the export sets, in a fixed order; the same row read again hashes the same.
  const hash = createHash('sha256');
  for (const key of HASHED) {
    const v = write[key];
    hash.update(v === null ? '\u0000' : String(v));
    hash.update('\u0001');
  }
  hash.update(r.officer_name ?? '\u0000');
  hash.update('\u0001');
  hash.update(r.officer_designation ?? '\u0000');
  write.content_hash = hash.digest('hex');
  const officer =
    r.officer_name === null
      ? null
      : {
          district_id: districtId,
          department_id: departmentId,
          name: r.officer_name,
          designation: r.officer_designation ?? DESIGNATION_NOT_GIVEN,
        };
  return { reference: r.reference_no, hash: write.content_hash as string, write, officer };
}

const HASHED = [
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
  'subject',
  'complaint_text',
  'disposal_report',
  'status',
  'extra',
] as const;

function parseAliases(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function withStaticAliases(
  rows: { code: string; name_en: string; name_hi: string }[],
  known: MasterEntry[],
): MasterEntry[] {
  return rows.map((d) => ({
    code: d.code,
    nameEn: d.name_en,
    nameHi: d.name_hi,
    aliases: known.find((k) => k.code === d.code)?.aliases ?? [],
  }));
}

function sha256File(filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(filePath, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (e) => reject(new ImportFileError('import.error.unreadable', { detail: e.message })))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
