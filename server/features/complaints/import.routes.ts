// The import's pages and JSON endpoints: upload with progress, recent batches, a batch's summary and its errors as CSV.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import multer from 'multer';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError, notFound } from '../../shared/errors.js';
import { asyncHandler, parseInput, route, type RouteDef } from '../../shared/http.js';
import { clientMessages, t } from '../../shared/i18n.js';
import { projectRoot } from '../../config.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PERSONAL_DATA_EXPORTERS, recordExport } from '../audit/export-log.js';
import {
  countImportErrors,
  findVisibleBatch,
  listImportErrors,
  listRecentBatches,
  type BatchRow,
} from './import.repository.js';
import { showError, writeErrorsCsv } from './import-report.js';
import type { ImportService, ImportSummary } from './import.service.js';

const IMPORTERS = ['supervisor', 'admin'] as const;
const SHOWN_ERRORS = 500;
// An export of a few lakh complaints is a few hundred MB; past this it is not an export.
const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

const idParam = z.object({ id: z.coerce.number().int().positive() });
const uploadForm = z.object({
  sheet: z.string().trim().max(100).optional(),
  dryRun: z.string().optional(),
});

const uploadDir = path.join(os.tmpdir(), 'igrs-desk-uploads');
const upload = multer({ dest: uploadDir, limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } }).single('file');

/** multer as a handler whose refusals speak the catalogue's language. */
const receiveFile: RequestHandler = (req, res, next) => {
  fs.mkdirSync(uploadDir, { recursive: true });
  upload(req, res, (err: unknown) => {
    if (!err) return next();
    const code = (err as { code?: string }).code;
    next(
      code === 'LIMIT_FILE_SIZE'
        ? new AppError(413, 'import.error.tooLarge', { max: `${MAX_UPLOAD_BYTES / 1024 ** 3} GB` })
        : new AppError(400, 'import.error.noFile'),
    );
  });
};

function batchView(b: BatchRow & { user_name?: string | null }) {
  return {
    id: b.id,
    fileName: b.file_name,
    sha256: b.file_sha256,
    userName: b.user_name ?? null,
    status: b.status,
    dryRun: Boolean(b.dry_run),
    rowsRead: b.rows_read,
    inserted: b.rows_inserted,
    updated: b.rows_updated,
    unchanged: b.rows_unchanged,
    rejected: b.rows_rejected,
    startedAt: b.started_at,
    finishedAt: b.finished_at,
    message: b.message ? (JSON.parse(b.message) as ImportSummary['message']) : undefined,
  };
}

export function importRoutes(db: Knex, importer: ImportService, logger: Logger, audit: AuditLog): RouteDef[] {
  async function startImport(req: Request, background: boolean) {
    if (!req.file) throw new AppError(400, 'import.error.noFile');
    const form = parseInput(uploadForm, req.body ?? {});
    const file = req.file;
    const started = deferred<number>();
    const running = importer
      .importFile({
        filePath: file.path,
        fileName: file.originalname,
        userId: req.user!.id,
        districtScope: req.user!.districtIds,
        sheet: form.sheet || undefined,
        dryRun: form.dryRun === 'on' || form.dryRun === 'true' || form.dryRun === '1',
        onBatch: (id) => started.resolve(id),
      })
      .finally(() => fs.promises.rm(file.path, { force: true }));
    running.catch((error: unknown) => {
      started.reject(error);
      logger.error({ err: error }, 'import failed');
    });
    if (background) return { batchId: await started.promise };
    return { summary: await running };
  }

  return [
    // ---- pages
    route(
      'get',
      '/complaints/import',
      IMPORTERS,
      'page',
      asyncHandler(async (req, res) => {
        const batches = (await listRecentBatches(db, req.user!, 20)).map(batchView);
        res.render('complaints/import', {
          title: t(req.lang, 'import.title'),
          batches,
          messages: clientMessages(req.lang, ['import.progress', 'import.status']),
          scripts: ['/static/js/import.js'],
        });
      }),
    ),
    route(
      'get',
      '/complaints/import/sample.csv',
      IMPORTERS,
      'file',
      asyncHandler(async (_req, res) => {
        res.download(path.join(projectRoot, 'docs', 'samples', 'igrs-export-sample.csv'));
      }),
    ),
    route(
      'get',
      '/complaints/import/:id',
      IMPORTERS,
      'page',
      asyncHandler(async (req, res) => {
        const { id } = parseInput(idParam, req.params);
        const batch = await findVisibleBatch(db, req.user!, id);
        if (!batch) throw notFound();
        const view = batchView(batch);
        const [errors, total] = await Promise.all([
          listImportErrors(db, id, SHOWN_ERRORS),
          countImportErrors(db, id),
        ]);
        res.render('complaints/import-batch', {
          title: t(req.lang, 'import.summary.title', { id, file: batch.file_name }),
          batch: view,
          message: view.message ? t(req.lang, view.message.key, view.message.params) : null,
          errors: errors.map((e) => showError(req.lang, e)),
          errorCount: total,
          mayDownload: PERSONAL_DATA_EXPORTERS.includes(req.user!.role),
          more: total > errors.length ? { shown: errors.length, total } : null,
        });
      }),
    ),
    route(
      'get',
      // The rejected rows' values are complainants' names, mobiles and addresses: a personal-data export.
      '/complaints/import/:id/errors.csv',
      PERSONAL_DATA_EXPORTERS,
      'file',
      asyncHandler(async (req, res) => {
        const { id } = parseInput(idParam, req.params);
        if (!(await findVisibleBatch(db, req.user!, id))) throw notFound();
        const rows = await countImportErrors(db, id);
        await recordExport(db, req.user!, 'import-errors.csv', { batchId: id }, rows, audit);
        res.setHeader('content-type', 'text/csv; charset=utf-8');
        res.setHeader('content-disposition', `attachment; filename="import-${id}-errors.csv"`);
        await writeErrorsCsv(db, id, req.lang, res);
      }),
    ),

    // ---- JSON
    route('post', '/api/imports', IMPORTERS, 'json', [
      receiveFile,
      asyncHandler(async (req, res) => {
        // ?background=1: answer at once with the batch id; the page polls GET /api/imports/:id.
        const background = req.query.background === '1';
        const result = await startImport(req, background);
        if ('batchId' in result) {
          res.status(202).json({ batchId: result.batchId });
          return;
        }
        const s = result.summary;
        const body = {
          batch: s,
          ...(s.message
            ? {
                error: {
                  key: s.message.key,
                  message: t(req.lang, s.message.key, s.message.params),
                  params: s.message.params,
                },
              }
            : {}),
        };
        res.status(s.status === 'done' ? 200 : s.status === 'refused' ? 422 : 500).json(body);
      }),
    ]),
    route(
      'get',
      '/api/imports/:id',
      IMPORTERS,
      'json',
      asyncHandler(async (req, res) => {
        const { id } = parseInput(idParam, req.params);
        const batch = await findVisibleBatch(db, req.user!, id);
        if (!batch) throw notFound();
        const view = batchView(batch);
        const progress = importer.progressOf(id);
        const percent =
          batch.status !== 'running'
            ? 100
            : progress && progress.totalBytes > 0
              ? Math.min(99, Math.floor((100 * progress.bytesRead) / progress.totalBytes))
              : 0;
        res.json({
          batch: view,
          percent,
          message: view.message ? t(req.lang, view.message.key, view.message.params) : null,
        });
      }),
    ),
  ];
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
