// Sessions' pages and JSON endpoints: plan, preview the frame, draw, allocate, move tasks, certificate, frozen frame.
import type { Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { notFound } from '../../shared/errors.js';
import { asyncHandler, parseInput, route, type Role, type RouteDef } from '../../shared/http.js';
import { t } from '../../shared/i18n.js';
import { canSeeDistrict, type SignedInUser } from '../auth/users.repository.js';
import { listDepartments } from '../complaints/master-data.repository.js';
import { moveTask } from './allocation.service.js';
import { drawSample, frozenFrameFile, verifyStoredDraw } from './draw.service.js';
import {
  findDraw,
  findEligibleCallers,
  listDraws,
  listSessionCallers,
  listSessionTasks,
  listSessions,
} from './sessions.repository.js';
import { newSessionInput, type SessionsService } from './sessions.service.js';
import { whereInScope } from '../auth/users.repository.js';

const PLANNERS: Role[] = ['admin', 'supervisor'];
const READERS: Role[] = ['admin', 'supervisor', 'session_officer', 'viewer'];
const idParam = (req: Request, name = 'id') =>
  parseInput(z.coerce.number().int().positive(), req.params[name]);
const moveInput = z.object({ toUserId: z.coerce.number().int().positive() });
const percent = (m: number | null) => (m === null ? '—' : `±${(m * 100).toFixed(1)}%`);

export function sessionsRoutes(deps: AppDeps, service: SessionsService): RouteDef[] {
  const { db } = deps;
  const scoped = (user: SignedInUser) => (q: ReturnType<typeof db>) => whereInScope(q, user, 's.district_id');

  /** Everything the session page and its JSON twin show. */
  const sessionView = async (user: SignedInUser, id: number) => {
    const session = await service.sessionFor(user, id);
    const [preview, draws, callers, tasks] = await Promise.all([
      service.preview(session),
      listDraws(db, id),
      listSessionCallers(db, id),
      listSessionTasks(db, id),
    ]);
    const byCaller = callers.map((c) => ({
      ...c,
      tasks: tasks.filter((task) => task.assignedUserId === c.id),
    }));
    const pool = tasks.filter((task) => task.assignedUserId === null);
    return { session, preview, draws, callers, byCaller, pool, tasks };
  };

  const newSessionForm = async (user: SignedInUser) => {
    const districts = (await whereInScope(db('districts'), user, 'id')
      .orderBy('name_en')
      .select('id', 'name_en', 'name_hi')) as Array<{ id: number }>;
    const callersByDistrict = await Promise.all(
      districts.slice(0, 5).map(async (d) => ({ district: d, callers: await findEligibleCallers(db, d.id) })),
    );
    return { districts, departments: await listDepartments(db), callersByDistrict };
  };

  return [
    // Pages
    route(
      'get',
      '/sessions',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const user = req.user!;
        res.render('sessions/index', {
          title: t(req.lang, 'sessions.title'),
          sessions: (await listSessions(db, scoped(user))).map((s) => ({
            ...s,
            statusLabel: t(req.lang, `sessions.status.${s.status}`),
          })),
          schedule: await service.schedule(user),
        });
      }),
    ),
    route(
      'get',
      '/sessions/new',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const today = deps.clock.now().setZone('Asia/Kolkata');
        res.render('sessions/new', {
          title: t(req.lang, 'sessions.new.title'),
          ...(await newSessionForm(req.user!)),
          defaults: {
            sessionDate: typeof req.query.date === 'string' ? req.query.date : today.toISODate(),
            disposedFrom: today.minus({ days: 15 }).toISODate(),
            disposedTo: today.minus({ days: 1 }).toISODate(),
            districtId: Number(req.query.district) || null,
          },
        });
      }),
    ),
    route(
      'post',
      '/sessions',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const id = await service.createSession(req.user!, parseInput(newSessionInput, req.body));
        res.redirect(303, `/sessions/${id}`);
      }),
    ),
    route(
      'get',
      '/sessions/:id',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const view = await sessionView(req.user!, idParam(req));
        res.render('sessions/show', {
          title: view.session.title,
          modeLabel: t(req.lang, `sessions.mode.${view.session.mode}`),
          ...view,
          problem: view.preview.problem
            ? t(req.lang, view.preview.problem.key, view.preview.problem.params)
            : null,
          overallMargin: percent(view.preview.margins?.overall ?? null),
          perDepartment: view.preview.perDepartment.map((d) => ({
            ...d,
            margin: percent(d.marginOfError),
            expected: Number(d.sampleSize.toFixed(1)),
          })),
          current: view.draws.find((d) => d.isCurrent) ?? null,
        });
      }),
    ),
    route(
      'post',
      '/sessions/:id/draw',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const id = idParam(req);
        await service.sessionFor(req.user!, id);
        await drawSample(deps, req.user!, id);
        res.redirect(303, `/sessions/${id}#allocation`);
      }),
    ),
    route(
      'post',
      '/sessions/tasks/:taskId/move',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const user = req.user!;
        const taskId = idParam(req, 'taskId');
        const { toUserId } = parseInput(moveInput, req.body);
        await moveTask(deps, user, taskId, toUserId, (d) => canSeeDistrict(user, d));
        const row = (await db('call_tasks').where({ id: taskId }).first('session_id')) as {
          session_id: number;
        };
        res.redirect(303, `/sessions/${row.session_id}#allocation`);
      }),
    ),
    route(
      'get',
      '/sessions/:id/certificate',
      READERS,
      'page',
      asyncHandler(async (req, res) => {
        const session = await service.sessionFor(req.user!, idParam(req));
        const draws = await service.certificate(session);
        res.render('sessions/certificate', {
          title: t(req.lang, 'sessions.certificate.title'),
          session,
          draws: draws.map((d) => ({
            ...d,
            designJson: JSON.stringify(d.design),
            sample: d.selections.filter((s) => !s.isReserve),
            reserve: d.selections.filter((s) => s.isReserve),
          })),
          drawCount: draws.length,
        });
      }),
    ),
    route(
      'get',
      '/sessions/:id/draws/:drawId/frame.tsv',
      READERS,
      'file',
      asyncHandler(async (req, res) => {
        const session = await service.sessionFor(req.user!, idParam(req));
        const draw = await findDraw(db, idParam(req, 'drawId'));
        if (!draw || draw.sessionId !== session.id) throw notFound();
        const file = await frozenFrameFile(db, draw.id);
        res.setHeader('content-type', 'text/tab-separated-values; charset=utf-8');
        res.setHeader(
          'content-disposition',
          `attachment; filename="frame-session${session.id}-draw${draw.drawNumber}.tsv"`,
        );
        res.setHeader('x-frame-sha256', draw.frameSha256);
        res.send(file);
      }),
    ),

    // JSON
    route(
      'get',
      '/api/sessions',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        res.json({ data: await listSessions(db, scoped(req.user!)) });
      }),
    ),
    route(
      'get',
      '/api/sessions/schedule',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        res.json({ data: await service.schedule(req.user!) });
      }),
    ),
    route(
      'post',
      '/api/sessions',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        const id = await service.createSession(req.user!, parseInput(newSessionInput, req.body));
        res.status(201).json({ data: { id } });
      }),
    ),
    route(
      'get',
      '/api/sessions/:id',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        const { session, preview, draws, callers, tasks } = await sessionView(req.user!, idParam(req));
        res.json({ data: { session, preview: { ...preview, plan: undefined }, draws, callers, tasks } });
      }),
    ),
    route(
      'post',
      '/api/sessions/:id/draw',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        const id = idParam(req);
        await service.sessionFor(req.user!, id);
        res.status(201).json({ data: await drawSample(deps, req.user!, id) });
      }),
    ),
    route(
      'post',
      '/api/sessions/tasks/:taskId/move',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        const user = req.user!;
        const { toUserId } = parseInput(moveInput, req.body);
        await moveTask(deps, user, idParam(req, 'taskId'), toUserId, (d) => canSeeDistrict(user, d));
        res.json({ data: { ok: true } });
      }),
    ),
    route(
      'get',
      '/api/sessions/:id/certificate',
      READERS,
      'json',
      asyncHandler(async (req, res) => {
        const session = await service.sessionFor(req.user!, idParam(req));
        res.json({ data: { session, draws: await service.certificate(session) } });
      }),
    ),
    route(
      'get',
      '/api/sessions/:id/draws/:drawId/verify',
      READERS,
      'json',
      asyncHandler(async (req, res) => {
        const session = await service.sessionFor(req.user!, idParam(req));
        const draw = await findDraw(db, idParam(req, 'drawId'));
        if (!draw || draw.sessionId !== session.id) throw notFound();
        res.json({ data: await verifyStoredDraw(db, draw.id) });
      }),
    ),
  ];
}
