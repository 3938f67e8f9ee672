// Routes of the reports: the sessions list, a session's report (page, JSON, XLSX, CSV) and the trends chart.
import type { Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { asyncHandler, parseInput, route, type RouteDef } from '../../shared/http.js';
import { formatIst } from '../../shared/dates.js';
import { t } from '../../shared/i18n.js';
import { reportCsv, reportXlsx, summaryRows } from './report-exports.js';
import type { SessionReportService } from './session-report.service.js';

const READERS = ['admin', 'supervisor', 'session_officer', 'viewer'] as const;
const id = z.coerce.number().int().positive();
const paramId = (req: Request) => parseInput(id, req.params.id);
const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`;

export function reportsRoutes(deps: AppDeps, reports: SessionReportService): RouteDef[] {
  const fileName = (sessionId: number, ext: string) => `session-${sessionId}-report.${ext}`;
  const auditExport = (req: Request, sessionId: number, format: string) =>
    deps.db.transaction((trx) =>
      deps.audit.record(trx, {
        userId: req.user!.id,
        action: 'export.sessionReport',
        entity: 'feedback_session',
        entityId: sessionId,
        after: { format, lang: req.lang },
      }),
    );

  return [
    route(
      'get',
      '/reports',
      READERS,
      'page',
      asyncHandler(async (req, res) => {
        const sessions = await reports.listSessions(req.user!);
        const districts = new Map(sessions.map((s) => [s.districtId, s]));
        res.render('reports/index', {
          title: t(req.lang, 'reports.title'),
          sessions: sessions.map((s) => ({
            ...s,
            district: req.lang === 'en' ? s.districtEn : s.districtHi,
          })),
          districts: [...districts.values()].map((s) => ({
            id: s.districtId,
            name: req.lang === 'en' ? s.districtEn : s.districtHi,
          })),
        });
      }),
    ),
    route(
      'get',
      '/api/reports/sessions/:id',
      READERS,
      'json',
      asyncHandler(async (req, res) => {
        res.json(await reports.sessionReport(req.user!, paramId(req)));
      }),
    ),
    route(
      'get',
      '/reports/sessions/:id',
      READERS,
      'page',
      asyncHandler(async (req, res) => {
        const report = await reports.sessionReport(req.user!, paramId(req));
        const f = report.figures;
        const decorate = (rows: typeof report.departments) =>
          rows.map((r) => ({
            ...r,
            label: req.lang === 'en' ? r.nameEn : r.nameHi,
            sharePct: pct(r.share),
            ciText: r.interval ? `${pct(r.interval.low)} – ${pct(r.interval.high)}` : '–',
          }));
        res.render('reports/session', {
          title: t(req.lang, 'reports.session.title'),
          report,
          district: req.lang === 'en' ? report.session.districtEn : report.session.districtHi,
          // A calendar day: noon IST keeps it the same day whatever the zone arithmetic.
          sessionDate: formatIst(`${report.session.sessionDate} 06:30:00.000`, req.lang, 'date'),
          summary: t(req.lang, 'reports.session.summary', {
            officers: f.officers,
            checked: f.complaintsChecked,
            departments: f.departmentsCovered,
            satisfied: f.satisfied,
            unsatisfied: f.unsatisfied,
            unsatisfiedDepartments: f.unsatisfiedDepartments,
            rejected: f.reportsRejected,
          }),
          figures: summaryRows(report, req.lang)
            .slice(0, 12)
            .map(([label, value]) => ({ label, value })),
          share: `${pct(f.satisfiedShare)} (${pct(f.satisfiedInterval?.low)} – ${pct(f.satisfiedInterval?.high)})`,
          aapor: {
            rr1: pct(report.aapor.rr1),
            con1: pct(report.aapor.con1),
            ref1: pct(report.aapor.ref1),
            cases: report.aapor.cases,
          },
          departments: decorate(report.departments),
          officers: decorate(report.officers),
          scripts: ['/static/js/print-button.js'],
        });
      }),
    ),
    route(
      'get',
      '/reports/sessions/:id/report.xlsx',
      READERS,
      'file',
      asyncHandler(async (req, res) => {
        const sessionId = paramId(req);
        const report = await reports.sessionReport(req.user!, sessionId);
        const body = await reportXlsx(report, req.lang);
        await auditExport(req, sessionId, 'xlsx');
        res.setHeader('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
        res.setHeader('content-disposition', `attachment; filename="${fileName(sessionId, 'xlsx')}"`);
        res.send(body);
      }),
    ),
    route(
      'get',
      '/reports/sessions/:id/report.csv',
      READERS,
      'file',
      asyncHandler(async (req, res) => {
        const sessionId = paramId(req);
        const report = await reports.sessionReport(req.user!, sessionId);
        await auditExport(req, sessionId, 'csv');
        res.setHeader('content-type', 'text/csv; charset=utf-8');
        res.setHeader('content-disposition', `attachment; filename="${fileName(sessionId, 'csv')}"`);
        res.send(reportCsv(report, req.lang));
      }),
    ),
    route(
      'get',
      '/api/reports/trends',
      READERS,
      'json',
      asyncHandler(async (req, res) => {
        const districtId = parseInput(id, req.query.districtId);
        res.json(await reports.trends(req.user!, districtId));
      }),
    ),
    route(
      'get',
      '/reports/trends',
      READERS,
      'page',
      asyncHandler(async (req, res) => {
        const districtId = parseInput(id, req.query.districtId);
        const trends = await reports.trends(req.user!, districtId);
        res.render('reports/trends', {
          title: t(req.lang, 'reports.trends.title'),
          chart: {
            labels: trends.sessions.map((s) => `${s.sessionDate} ${s.title}`),
            series: trends.series.map((s) => ({
              label: req.lang === 'en' ? s.nameEn : s.nameHi,
              data: s.points.map((p) => (p ? Math.round(p.share * 1000) / 10 : null)),
            })),
            yLabel: t(req.lang, 'reports.col.share'),
          },
          empty: trends.series.length === 0,
          scripts: ['/static/vendor/chart.js/chart.umd.js', '/static/js/report-trends.js'],
        });
      }),
    ),
  ];
}
