// The session report as a spreadsheet (XLSX, via exceljs) and as CSV (csv-stringify), in the reader's language.
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { Lang } from '../../shared/i18n.js';
import { t } from '../../shared/i18n.js';
import type { SessionReport, TableRow } from './session-report.service.js';

const round = (x: number | null | undefined, places = 4) =>
  x === null || x === undefined ? '' : Math.round(x * 10 ** places) / 10 ** places;

/** The press-note figures as (label, value) rows. */
export function summaryRows(report: SessionReport, lang: Lang): Array<[string, string | number]> {
  const f = report.figures;
  const a = report.aapor;
  return [
    [t(lang, 'reports.fig.officers'), f.officers],
    [t(lang, 'reports.fig.checked'), f.complaintsChecked],
    [t(lang, 'reports.fig.departments'), f.departmentsCovered],
    [t(lang, 'reports.fig.satisfied'), f.satisfied],
    [t(lang, 'reports.fig.partlySatisfied'), f.partlySatisfied],
    [t(lang, 'reports.fig.unsatisfied'), f.unsatisfied],
    [t(lang, 'reports.fig.unsatisfiedDepartments'), f.unsatisfiedDepartments],
    [t(lang, 'reports.fig.rejected'), f.reportsRejected],
    [t(lang, 'reports.fig.demanded'), f.explanationsDemanded],
    [t(lang, 'reports.fig.received'), f.explanationsReceived],
    [t(lang, 'reports.fig.accepted'), f.explanationsAccepted],
    [t(lang, 'reports.fig.overdue'), f.explanationsOverdue],
    [t(lang, 'reports.col.share'), round(f.satisfiedShare)],
    [t(lang, 'reports.col.ciLow'), round(f.satisfiedInterval?.low)],
    [t(lang, 'reports.col.ciHigh'), round(f.satisfiedInterval?.high)],
    [t(lang, 'reports.aapor.cases'), a.cases],
    [t(lang, 'reports.aapor.rr1'), round(a.rr1)],
    [t(lang, 'reports.aapor.con1'), round(a.con1)],
    [t(lang, 'reports.aapor.ref1'), round(a.ref1)],
  ];
}

function tableHeader(lang: Lang, first: 'department' | 'officer'): string[] {
  return [
    t(lang, `reports.col.${first}`),
    t(lang, 'reports.col.calls'),
    t(lang, 'reports.col.satisfied'),
    t(lang, 'reports.col.share'),
    t(lang, 'reports.col.ciLow'),
    t(lang, 'reports.col.ciHigh'),
    t(lang, 'reports.col.unsatisfied'),
    t(lang, 'reports.col.rejected'),
  ];
}

const tableBody = (rows: TableRow[], lang: Lang) =>
  rows.map((r) => [
    lang === 'en' ? r.nameEn : r.nameHi,
    r.calls,
    r.satisfied,
    round(r.share),
    round(r.interval?.low),
    round(r.interval?.high),
    r.unsatisfied,
    r.rejected,
  ]);

export async function reportXlsx(report: SessionReport, lang: Lang): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'IGRS Feedback Desk';
  const summary = book.addWorksheet(t(lang, 'reports.sheet.summary'));
  summary.addRow([t(lang, 'reports.session.heading', { title: report.session.title })]).font = { bold: true };
  summary.addRow([
    lang === 'en' ? report.session.districtEn : report.session.districtHi,
    report.session.sessionDate,
  ]);
  summary.addRow([]);
  summary.addRow([t(lang, 'reports.col.figure'), t(lang, 'reports.col.value')]).font = { bold: true };
  for (const row of summaryRows(report, lang)) summary.addRow(row);
  summary.getColumn(1).width = 44;
  summary.getColumn(2).width = 14;
  for (const [name, first, rows] of [
    [t(lang, 'reports.table.departments'), 'department', report.departments],
    [t(lang, 'reports.table.officers'), 'officer', report.officers],
  ] as const) {
    const sheet = book.addWorksheet(name);
    sheet.addRow(tableHeader(lang, first)).font = { bold: true };
    for (const row of tableBody(rows, lang)) sheet.addRow(row);
    sheet.getColumn(1).width = 36;
    sheet.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** One CSV: the figures, then the two tables, separated by blank lines (what a clerk pastes into a note). */
export function reportCsv(report: SessionReport, lang: Lang): string {
  const rows: Array<Array<string | number>> = [
    [t(lang, 'reports.col.figure'), t(lang, 'reports.col.value')],
    ...summaryRows(report, lang),
    [],
    tableHeader(lang, 'department'),
    ...tableBody(report.departments, lang),
    [],
    tableHeader(lang, 'officer'),
    ...tableBody(report.officers, lang),
  ];
  return '\ufeff' + stringify(rows);
}
