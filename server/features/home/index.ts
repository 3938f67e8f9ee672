// The home page (figures and links for the signed-in user) and the health check.
import type { Knex } from 'knex';
import { engineOf, pingDb } from '../../db/knex.js';
import { asyncHandler, route, type Feature, type NavItem } from '../../shared/http.js';
import { isAllowed } from '../auth/guard.js';
import { whereInScope } from '../auth/users.repository.js';
import { hasMessage, t } from '../../shared/i18n.js';

export function createHomeFeature(db: Knex, nav: () => NavItem[]): Feature {
  return {
    name: 'home',
    routes: [
      route(
        'get',
        '/healthz',
        'public',
        'json',
        asyncHandler(async (_req, res) => {
          const engine = engineOf(db);
          const problem = await pingDb(db);
          if (problem) return res.status(503).json({ status: 'unavailable', db: engine, reason: problem });
          res.json({ status: 'ok', db: engine });
        }),
      ),
      route(
        'get',
        '/',
        'signed-in',
        'page',
        asyncHandler(async (req, res) => {
          const user = req.user!;
          const complaints = whereInScope(db('complaints'), user, 'district_id');
          const [totals] = (await complaints
            .clone()
            .select(
              db.raw('count(*) as complaints'),
              db.raw("sum(case when status = 'disposed' then 1 else 0 end) as disposed"),
              db.raw('count(distinct district_id) as districts'),
              db.raw('count(distinct department_id) as departments'),
            )) as Array<Record<string, number | null>>;
          const links = nav()
            .filter((n) => n.href !== '/' && isAllowed(n.allow, user.role))
            .map((n) => ({
              href: n.href,
              label: t(req.lang, n.labelKey),
              hint: hasMessage(`${n.labelKey}.hint`) ? t(req.lang, `${n.labelKey}.hint`) : '',
            }));
          res.render('home/index', {
            title: t(req.lang, 'home.title'),
            stats: {
              complaints: Number(totals?.complaints ?? 0),
              disposed: Number(totals?.disposed ?? 0),
              districts: Number(totals?.districts ?? 0),
              departments: Number(totals?.departments ?? 0),
            },
            links,
          });
        }),
      ),
    ],
  };
}
