// The board's routes: the page that picks a session or district and shows it live, and the snapshot as JSON.
import type { Request } from 'express';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../shared/errors.js';
import { asyncHandler, route, type RouteDef } from '../../shared/http.js';
import { clientMessages, t } from '../../shared/i18n.js';
import { whereInScope } from '../auth/users.repository.js';
import { authoriseRoom, BOARD_ROLES, BoardRefusal } from './board.access.js';
import { readSnapshot } from './board.snapshot.js';
import type { BoardStore } from './board.store.js';

function scopeFromQuery(req: Request): Record<string, unknown> {
  const q = req.query;
  if (q.session) return { sessionId: q.session };
  if (q.district) return { districtId: q.district };
  return {};
}

async function roomFor(deps: AppDeps, req: Request) {
  try {
    return await authoriseRoom(deps.db, req.user!, scopeFromQuery(req));
  } catch (err) {
    if (err instanceof BoardRefusal) throw new AppError(err.status, err.key);
    throw err;
  }
}

export function boardRoutes(deps: AppDeps, store: () => BoardStore): RouteDef[] {
  return [
    route(
      'get',
      '/board',
      BOARD_ROLES,
      'page',
      asyncHandler(async (req, res) => {
        const user = req.user!;
        const chosen = req.query.session || req.query.district || req.query.all;
        if (!chosen) {
          const sessions = await whereInScope(deps.db('feedback_sessions as s'), user, 's.district_id')
            .join('districts as d', 'd.id', 's.district_id')
            .whereNot('s.status', 'closed')
            .orderBy('s.session_date', 'desc')
            .limit(50)
            .select('s.id', 's.title', 's.session_date', 's.status', 'd.name_hi', 'd.name_en');
          const districts = await whereInScope(deps.db('districts'), user, 'id')
            .orderBy(req.lang === 'en' ? 'name_en' : 'name_hi')
            .select('id', 'name_hi', 'name_en');
          return res.render('board/pick', {
            title: t(req.lang, 'board.title'),
            sessions,
            districts,
            allDistricts: user.districtIds === 'all',
          });
        }
        const room = await roomFor(deps, req);
        res.render('board/board', {
          title: t(req.lang, 'board.title'),
          boardConfig: {
            scope: scopeFromQuery(req),
            room,
            lang: req.lang,
            messages: clientMessages(req.lang, ['board.']),
          },
          scripts: ['/socket.io/socket.io.js', '/static/vendor/chart.js/chart.umd.js', '/static/js/board.js'],
        });
      }),
    ),
    route(
      'get',
      '/api/board/snapshot',
      BOARD_ROLES,
      'json',
      asyncHandler(async (req, res) => {
        const room = await roomFor(deps, req);
        const snapshot = await readSnapshot(deps.db, room, store(), deps.clock);
        if (!snapshot) throw new AppError(404, 'board.error.noSuchSession');
        res.json({ data: snapshot });
      }),
    ),
  ];
}
