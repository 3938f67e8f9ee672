// The complaints pages: a searchable list within the user's districts, and one complaint with its earlier reports.
import type { Knex } from 'knex';
import { z } from 'zod';
import { notFound } from '../../shared/errors.js';
import { asyncHandler, parseInput, route, type RouteDef } from '../../shared/http.js';
import { t } from '../../shared/i18n.js';
import { listDepartments } from './master-data.repository.js';
import { findComplaint, reportHistory, searchComplaints } from './complaints.repository.js';

export const BROWSERS = ['admin', 'supervisor', 'session_officer', 'viewer'] as const;
const STATUSES = ['disposed', 'pending', 'defaulter', 'special_closed', 'reopened', 'c_grade'] as const;
const PAGE = 100;

const listQuery = z.object({
  q: z.string().trim().max(100).optional(),
  department: z.string().trim().max(40).optional(),
  status: z.enum([...STATUSES, 'redisposed', '']).optional(),
});
const idParam = z.object({ id: z.coerce.number().int().positive() });

export function complaintsRoutes(db: Knex): RouteDef[] {
  return [
    route(
      'get',
      '/complaints',
      BROWSERS,
      'page',
      asyncHandler(async (req, res) => {
        const filter = parseInput(listQuery, req.query);
        const hi = req.lang === 'hi';
        const [rows, departments] = await Promise.all([
          searchComplaints(db, req.user!, filter, PAGE),
          listDepartments(db),
        ]);
        res.render('complaints/list', {
          title: t(req.lang, 'complaints.title'),
          filter,
          complaints: rows.map((r) => ({
            ...r,
            district: hi ? r.district_name_hi : r.district_name_en,
            department: hi ? r.department_name_hi : r.department_name_en,
            statusLabel: t(req.lang, `complaints.status.${r.status}`),
            redisposed: Boolean(r.redisposed),
          })),
          more: rows.length === PAGE ? { shown: PAGE } : null,
          departments: departments.map((d) => ({
            code: d.code,
            name: hi ? d.name_hi : d.name_en,
            selected: d.code === filter.department,
          })),
          statuses: [...STATUSES, 'redisposed'].map((s) => ({
            value: s,
            label: t(req.lang, s === 'redisposed' ? 'complaints.redisposed' : `complaints.status.${s}`),
            selected: s === filter.status,
          })),
        });
      }),
    ),
    route(
      'get',
      '/complaints/:id',
      BROWSERS,
      'page',
      asyncHandler(async (req, res, next) => {
        // /complaints/import is the import page (mounted first); anything else not numeric is not ours.
        if (!/^\d+$/.test(String(req.params.id))) return next();
        const { id } = parseInput(idParam, req.params);
        const c = await findComplaint(db, req.user!, id);
        if (!c) throw notFound();
        const hi = req.lang === 'hi';
        let extra: { header: string; value: string }[] = [];
        try {
          extra = Object.entries((c.extra ? JSON.parse(c.extra) : {}) as Record<string, string>).map(
            ([header, value]) => ({ header, value }),
          );
        } catch {
          extra = [];
        }
        res.render('complaints/detail', {
          title: t(req.lang, 'complaints.detail.title', { reference: String(c.reference_no) }),
          c: {
            ...c,
            district: hi ? c.district_name_hi : c.district_name_en,
            department: hi ? c.department_name_hi : c.department_name_en,
            statusLabel: t(req.lang, `complaints.status.${String(c.status)}`),
            redisposed: Boolean(c.redisposed),
          },
          extra,
          history: await reportHistory(db, id),
        });
      }),
    ),
  ];
}
