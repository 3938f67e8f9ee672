// The import command: `npm run import -- FILE [--sheet NAME] [--dry-run] [--lang en]`, printing the summary and each bad row.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AppDeps } from '../../deps.js';
import { isLang, t, type Lang } from '../../shared/i18n.js';
import { listImportErrors } from './import.repository.js';
import { showError, summaryMessage } from './import-report.js';
import { ImportService, type ImportSummary } from './import.service.js';

const PRINTED_ERRORS = 200;

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs one import; the exit code is 0 when the file was imported (bad rows included), 1 when refused, 2 on usage. */
export async function runImportCommand(
  deps: Pick<AppDeps, 'db' | 'clock' | 'audit'>,
  argv: string[],
  io: CliOutput = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<{ code: number; summary?: ImportSummary }> {
  let values: { sheet?: string; 'dry-run'?: boolean; lang?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { sheet: { type: 'string' }, 'dry-run': { type: 'boolean' }, lang: { type: 'string' } },
    }));
  } catch (error) {
    io.err((error as Error).message);
    positionals = [];
    values = {};
  }
  if (positionals.length !== 1) {
    io.err('usage: npm run import -- FILE [--sheet NAME] [--dry-run] [--lang hi|en]');
    return { code: 2 };
  }
  const lang: Lang = isLang(values.lang) ? values.lang : 'hi';
  const file = positionals[0]!;
  const service = new ImportService(deps);
  const summary = await service.importFile({
    filePath: path.resolve(file),
    fileName: path.basename(file),
    userId: null,
    sheet: values.sheet,
    dryRun: values['dry-run'] ?? false,
  });
  const errors = await listImportErrors(deps.db, summary.batchId, PRINTED_ERRORS);
  for (const e of errors) {
    const shown = showError(lang, e);
    io.err(`${shown.warning ? '!' : '✗'} ${shown.row}\t${shown.column}\t${shown.message}`);
  }
  const problems = summary.rejected + summary.warnings;
  if (problems > errors.length)
    io.err(`… ${t(lang, 'import.errors.more', { shown: errors.length, total: problems })}`);
  const message = summaryMessage(lang, summary);
  if (summary.status !== 'done') {
    io.err(`${t(lang, `import.status.${summary.status}`)}: ${message ?? ''}`);
    return { code: 1, summary };
  }
  io.out(
    (summary.dryRun ? `[${t(lang, 'import.col.dryRun')}] ` : '') +
      t(lang, 'import.cli.summary', {
        read: summary.rowsRead,
        inserted: summary.inserted,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: summary.rejected,
        batch: summary.batchId,
      }),
  );
  return { code: 0, summary };
}
