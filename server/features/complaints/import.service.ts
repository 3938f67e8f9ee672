// Imports an IGRS export: reads and validates its rows (optionally in a worker thread) and writes complaints a chunk at a time in transactions.
import fs from 'node:fs';
import type { Knex } from 'knex';
import type { AuditLog } from '../audit/audit-log.js';
import { type Clock, nowDb, systemClock } from '../../shared/dates.js';
import { engineOf } from '../../db/knex.js';
import {
  readExport,
  type ImportErrorRow,
  type OfficerKey,
  type PreparedRow,
  type ReadFailure,
  type ReadMessage,
  type ReadSetup,
} from './import/read-export.js';
import { READ_IN_WORKER_BY_DEFAULT, readExportInWorker } from './import/read-in-worker.js';
import { textOf } from './import/raw-text.js';
import {
  type BatchCounts,
  bulkLoadComplaints,
  type ComplaintWrite,
  type ExistingComplaint,
  findExistingComplaints,
  findOrCreateOfficers,
  insertBatch,
  insertBatchDistricts,
  insertImportErrors,
  insertNewComplaints,
  insertReportHistory,
  masterIds,
  officerKey,
  updateBatch,
  upsertComplaints,
} from './import.repository.js';
import { queueReverification, type QueuedReverification } from '../review/reverification.js';
import type { EventBus } from '../../shared/events.js';

export { DESIGNATION_NOT_GIVEN } from './import/read-export.js';
/** Rows per transaction: on MySQL one multi-row upsert of about 4 MB (max_allowed_packet is 16 MB+). */
export const DEFAULT_CHUNK_ROWS = 2000;
// Row errors kept in memory before they are written.
const ERROR_FLUSH = 2000;
// Officers remembered between chunks (id by key); past this, later ones are looked up again. A state's
// export names a few thousand officers; the synthetic one a new officer on most rows, where 200,000
// remembered ones held some 25 MB of a 300 MB budget for few hits.
const KNOWN_OFFICERS = 20_000;

export interface ImportOptions {
  filePath: string;
  /** The name the user knows the file by (uploads are stored under a temporary name). */
  fileName: string;
  userId: number | null;
  /**
   * Districts whose complaints this import may write (the uploader's); rows of other districts are
   * rejected. 'all' (the default) for users with every district and for the CLI.
   */
  districtScope?: number[] | 'all';
  sheet?: string;
  /** Read, validate and compare with the database, but write no complaint. */
  dryRun?: boolean;
  chunkRows?: number;
  /**
   * Read and validate the file in a worker thread while this one writes. Default: on SQLite when
   * running compiled (READ_IN_WORKER_BY_DEFAULT); under tsx the worker's own loader costs too much memory.
   */
  readInWorker?: boolean;
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
    const districtIds = new Set<number>();
    try {
      const setup: ReadSetup = {
        filePath: options.filePath,
        sheet: options.sheet,
        batchId,
        chunkRows: options.chunkRows ?? DEFAULT_CHUNK_ROWS,
        master: await masterIds(db),
        allowedDistricts: options.districtScope ?? 'all',
      };
      // At 1,000,000 rows the worker took SQLite from 0.52 to 0.68–0.72 of the reference (280–292 MB
      // peak). On MariaDB, whose server uses the second core, it costs more than it saves: it decodes
      // the texts read as bytes to send them between threads (100,000 rows: 8.8 s against 6.7 s inline).
      // README, Import benchmark.
      const inWorker = options.readInWorker ?? (READ_IN_WORKER_BY_DEFAULT && engineOf(db) === 'sqlite');
      const messages = inWorker ? readExportInWorker(setup) : readExport(setup);
      const failure = await this.writeAll(messages, dryRun, summary, progress, districtIds);
      if (failure) {
        // Damage found mid-file (a stray quote): the chunks before it are written and stay; a fixed
        // file imported again finishes the job, since unchanged rows are skipped.
        summary.status = failure.fileError && summary.rowsRead === 0 ? 'refused' : 'failed';
        summary.message = { key: failure.key, params: failure.params };
      }
    } catch (error) {
      summary.status = 'failed';
      summary.message = {
        key: 'import.error.failed',
        params: { detail: String((error as Error).message ?? error).slice(0, 300) },
      };
    } finally {
      this.progress.delete(batchId);
    }
    await this.finish(summary, options.userId, [...districtIds]);
    return summary;
  }

  /**
   * Writes each chunk as it arrives, in file order; the reader prepares the next ones meanwhile.
   * Returns why reading stopped early, if it did.
   */
  private async writeAll(
    messages: AsyncGenerator<ReadMessage, void, undefined>,
    dryRun: boolean,
    summary: ImportSummary,
    progress: ImportProgress,
    districtIds: Set<number>,
  ): Promise<ReadFailure | undefined> {
    const { db } = this.deps;
    const state: WriteState = { officers: new Map(), allNew: true, officersAttached: Promise.resolve() };
    const errors: ImportErrorRow[] = [];
    let countsWrittenAt = Date.now();
    let countsWritten = Promise.resolve();
    // MySQL: while chunks are of new complaints, each is loaded first, on a second connection while
    // the one before it is still being written (writeChunk); any other chunk waits for the one before.
    const mysqlWrites = !dryRun && engineOf(db) === 'mysql';
    let writing: Promise<void> = Promise.resolve(); // the last chunk's write, until its transaction ends
    // The next chunk is asked for before this one is written: in this thread, its reading runs while
    // the database (MySQL: another process) writes; in a worker it is waiting already.
    let next = messages.next();
    try {
      for (;;) {
        const { value: message, done } = await next;
        if (done) break;
        summary.rowsRead = message.counts.rowsRead;
        summary.rejected = message.counts.rejected;
        summary.warnings = message.counts.warnings;
        for (const e of message.errors) errors.push(e);
        for (const id of message.districtIds) districtIds.add(id);
        if (message.type === 'end') {
          await writing;
          await countsWritten;
          await insertImportErrors(db, errors.splice(0));
          summary.sha256 = message.sha256;
          progress.bytesRead = progress.totalBytes;
          return message.failure;
        }
        next = messages.next();
        next.catch(() => undefined); // a failure surfaces at its await; not twice if the write fails first
        if (message.rows.length > 0) {
          const before = writing;
          const loadFirst = mysqlWrites && state.allNew;
          if (!loadFirst) await before;
          writing = this.writeChunk(
            message.rows,
            summary.batchId,
            dryRun,
            summary,
            state,
            loadFirst ? before : null,
          );
          writing.catch(() => undefined); // awaited at the next chunk or the end, not unhandled meanwhile
          // At most two chunks in flight: this one and, while it loads, the one before.
          await (loadFirst ? before : writing);
        }
        if (errors.length >= ERROR_FLUSH) await insertImportErrors(db, errors.splice(0));
        progress.rowsRead = summary.rowsRead;
        progress.bytesRead = message.bytesRead;
        // The counts on the batch row are for the upload page's progress: once a second is plenty. Not
        // waited for: a chunk being written holds the batch row (its rows refer to it) until it
        // commits, and the next chunk need not wait that long too.
        if (Date.now() - countsWrittenAt > 1000) {
          countsWrittenAt = Date.now();
          await countsWritten;
          countsWritten = updateBatch(db, summary.batchId, batchCounts(summary));
          countsWritten.catch(() => undefined); // awaited at the next update or the end
        }
      }
    } finally {
      // A chunk still being written when reading or the chunk before failed: it ends (rolled back,
      // as it waits on the one before) before the import does.
      await writing.catch(() => undefined);
      await countsWritten.catch(() => undefined);
      // Stops the reader (and its worker) when a write failed; after the last message it is done anyway.
      await messages.return(undefined);
    }
    throw new Error('the import reader ended without its last message');
  }

  /**
   * One transaction: compare the chunk with the stored complaints, then write what changed. MySQL: with
   * `before`, the write of the chunk before (which may still be running), the chunk is loaded first,
   * beside it; without, the chunk before has ended.
   */
  private async writeChunk(
    rows: PreparedRow[],
    batchId: number,
    dryRun: boolean,
    summary: ImportSummary,
    state: WriteState,
    before: Promise<void> | null,
  ): Promise<void> {
    const now = nowDb(this.clock);
    const { db } = this.deps;
    if (before) {
      // The officers first, outside the chunk's transaction and one chunk after another: two chunks'
      // transactions creating the same officer would wait on each other. An officer made for a chunk
      // that then fails stays, as the next import would make it anyway.
      const attached = state.officersAttached.then(() =>
        this.attachOfficers(
          db,
          rows.filter((r) => r.officer !== null),
          state.officers,
          now,
        ),
      );
      state.officersAttached = attached.catch(() => undefined);
      await attached;
    }
    const work = async (trx: Knex) => {
      let existing: Map<string, ExistingComplaint>;
      let toCompare = rows;
      if (before) {
        // Loaded first, looked up after: a chunk of new complaints (every chunk of a first import) then
        // costs no lookup. LOAD DATA skips those stored already, and only they are compared below.
        for (const row of rows) {
          row.write.created_at = now;
          row.write.updated_at = now;
        }
        const loaded = await bulkLoadComplaints(
          trx,
          rows.map((r) => r.write),
        );
        // Loaded beside the chunk before (with MariaDB's default AUTO-INC lock mode, as soon as that
        // one's load ends), but committed only after it, and not at all if it failed: the chunks
        // stored are always the file's first ones. What may follow a load (comparing, re-disposals
        // and the calls they queue) runs after the chunk before has ended too.
        await before;
        if (loaded === rows.length) {
          summary.inserted += loaded;
          return;
        }
        if (loaded === undefined) existing = await storedOf(trx, rows);
        else {
          existing = await storedOf(trx, rows, batchId);
          if (loaded + existing.size !== rows.length)
            throw new Error('complaints bulk load: rows unaccounted for');
          summary.inserted += loaded;
          toCompare = rows.filter((r) => existing.has(r.reference));
        }
        state.allNew = false;
      } else existing = await storedOf(trx, rows);
      // After a chunk of only new complaints, the next one is loaded first.
      if (existing.size === 0) state.allNew = true;
      const fresh: ComplaintWrite[] = [];
      const changed: ComplaintWrite[] = [];
      const history: Parameters<typeof insertReportHistory>[1] = [];
      const wantedOfficers: PreparedRow[] = [];
      for (const row of toCompare) {
        const old = existing.get(row.reference);
        if (old && old.content_hash === row.hash) {
          summary.unchanged++;
          continue;
        }
        if (old) {
          summary.updated++;
          const newReport = textOf(row.write.disposal_report) as string | null;
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
        }
        row.write.created_at = now;
        row.write.updated_at = now;
        if (old) changed.push(row.write);
        else {
          summary.inserted++;
          fresh.push(row.write);
        }
        if (row.officer) wantedOfficers.push(row);
      }
      if (dryRun || fresh.length + changed.length === 0) return;
      await this.attachOfficers(trx, wantedOfficers, state.officers, now);
      await insertNewComplaints(trx, fresh);
      await upsertComplaints(trx, changed);
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
        if (id !== undefined && known.size < KNOWN_OFFICERS) known.set(key, id);
      }
    }
    for (const row of rows) {
      const key = officerKey(row.officer!);
      row.write.officer_id = known.get(key) ?? found.get(key) ?? null;
    }
  }

  /** Closes the batch with its counts, its districts and one audit entry, in one transaction. */
  private async finish(summary: ImportSummary, userId: number | null, districtIds: number[]): Promise<void> {
    const now = nowDb(this.clock);
    await this.deps.db.transaction(async (trx) => {
      await insertBatchDistricts(trx, summary.batchId, districtIds);
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

/** What the writes of one import's chunks share. */
interface WriteState {
  /** Officers' ids by key (officerKey), remembered between chunks. */
  officers: Map<string, number>;
  /** MySQL: whether the next chunk is loaded before it is looked up (writeChunk); a first one is. */
  allNew: boolean;
  /** The last chunk's attaching of officers, which the next chunk's waits for. */
  officersAttached: Promise<void>;
}

/** The stored complaints of the rows' references, by reference (`exceptBatch`: findExistingComplaints). */
async function storedOf(
  trx: Knex,
  rows: PreparedRow[],
  exceptBatch?: number,
): Promise<Map<string, ExistingComplaint>> {
  const stored = await findExistingComplaints(
    trx,
    rows.map((r) => r.reference),
    exceptBatch,
  );
  return new Map(stored.map((c) => [c.reference_no, c]));
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
