// Sessions' pages and JSON endpoints: plan, preview the frame, draw, allocate, move tasks, certificate, frozen frame.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { notFound, type AppError } from '../../shared/errors.js';
import {
  asyncHandler,
  parseInput,
  route,
  withFormErrors,
  type Role,
  type RouteDef,
} from '../../shared/http.js';
import { t, type Lang } from '../../shared/i18n.js';
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
import { frameInput, newSessionInput, scheduleInput, type SessionsService } from './sessions.service.js';
import type { FrameFilter } from './frame.repository.js';
import { whereInScope } from '../auth/users.repository.js';
import { telephonyMode } from '../telephony/dial-control.js';
import { countIvrCandidates } from '../telephony/telephony.service.js';

const PLANNERS: Role[] = ['admin', 'supervisor'];
const READERS: Role[] = ['admin', 'supervisor', 'session_officer', 'viewer'];
const idParam = (req: Request, name = 'id') =>
  parseInput(z.coerce.number().int().positive(), req.params[name]);
const moveInput = z.object({ toUserId: z.coerce.number().int().positive() });
const percent = (m: number | null) => (m === null ? '—' : `±${(m * 100).toFixed(1)}%`);

/** The label key of each form field, so a refused value is named in the reader's language. */
const FIELD_LABELS: Record<string, string> = {
  title: 'sessions.field.title',
  districtId: 'sessions.field.district',
  sessionDate: 'sessions.field.date',
  mode: 'sessions.field.mode',
  callerIds: 'sessions.field.callers',
  perCaller: 'sessions.field.perCaller',
  total: 'sessions.field.total',
  disposedFrom: 'sessions.field.disposedFrom',
  disposedTo: 'sessions.field.disposedTo',
  departments: 'sessions.field.departments',
  sources: 'sessions.field.sources',
  tehsils: 'sessions.field.tehsils',
  thanas: 'sessions.field.thanas',
  excludeVerifiedDays: 'sessions.field.excludeVerifiedDays',
  designKind: 'sessions.field.design',
  minimumPerStratum: 'sessions.field.minimumPerStratum',
  weeks: 'sessions.schedule.settings.weeks',
  weekdays: 'sessions.schedule.settings.weekdays',
};

/** A form's refusal as a sentence: an unparsable field is named by its label, anything else by its own message. */
function formMessage(lang: Lang, error: AppError): string {
  const field = String(error.params.field ?? '').split('.')[0];
  if (error.key === 'error.invalidInput' && FIELD_LABELS[field]) {
    return t(lang, 'sessions.error.fieldInvalid', { field: t(lang, FIELD_LABELS[field]) });
  }
  return t(lang, error.key, error.params);
}

/** A posted form's raw values, to show again as typed: one text, or every value of a repeated field. */
type Posted = Record<string, unknown>;
const text = (v: unknown) =>
  Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v);
const many = (v: unknown) => new Set((v === undefined ? [] : Array.isArray(v) ? v : [v]).map(String));

/** The frame's fields for the form partial, from a posted form or a stored filter. */
function frameFields(values: Posted) {
  return {
    disposedFrom: text(values.disposedFrom),
    disposedTo: text(values.disposedTo),
    sources: text(values.sources),
    tehsils: text(values.tehsils),
    thanas: text(values.thanas),
    excludeVerifiedDays: text(values.excludeVerifiedDays),
  };
}
const filterAsPosted = (f: FrameFilter): Posted => ({
  ...f,
  departments: f.departments ?? [],
  excludeVerifiedDays: f.excludeVerifiedDays ?? 90,
});
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

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

  const departmentChoices = async (chosen: Set<string>) =>
    (await listDepartments(db)).map((d) => ({ ...d, selected: chosen.has(d.code) }));

  /** The plan form, blank with the defaults or again as typed, with the refusal's message. */
  const renderNewSession = async (req: Request, res: Response, values: Posted, error?: AppError) => {
    const user = req.user!;
    const districts = (await whereInScope(db('districts'), user, 'id')
      .orderBy('name_en')
      .select('id', 'name_en', 'name_hi')) as Array<{ id: number; name_en: string; name_hi: string }>;
    const checked = many(values.callerIds);
    const callersByDistrict = await Promise.all(
      districts.slice(0, 5).map(async (d) => ({
        district: d,
        callers: (await findEligibleCallers(db, d.id)).map((c) => ({
          ...c,
          checked: checked.has(String(c.id)),
        })),
      })),
    );
    const designKind = text(values.designKind) || 'proportional';
    res.status(error ? error.status : 200).render('sessions/new', {
      title: t(req.lang, 'sessions.new.title'),
      error: error ? formMessage(req.lang, error) : null,
      districts: districts.map((d) => ({ ...d, selected: String(d.id) === text(values.districtId) })),
      callersByDistrict,
      departments: await departmentChoices(many(values.departments)),
      fields: {
        title: text(values.title),
        sessionDate: text(values.sessionDate),
        modePool: text(values.mode) === 'pool',
        perCaller: text(values.perCaller),
        total: text(values.total),
        minimumPerStratum: text(values.minimumPerStratum),
      },
      frame: frameFields(values),
      designs: (['proportional', 'equal', 'simple'] as const).map((value) => ({
        value,
        label: t(req.lang, `sessions.design.${value}`),
        checked: value === designKind,
      })),
    });
  };

  /** The session page, with the message of a refused draw or move when there is one. */
  const renderSession = async (req: Request, res: Response, id: number, error?: AppError) => {
    const view = await sessionView(req.user!, id);
    const lang = req.lang;
    const f = view.session.filter;
    const all = t(lang, 'sessions.frame.all');
    const listed = (xs: string[] | undefined) => (xs?.length ? xs.join(', ') : all);
    res.status(error ? error.status : 200).render('sessions/show', {
      title: view.session.title,
      modeLabel: t(lang, `sessions.mode.${view.session.mode}`),
      ...view,
      error: error ? formMessage(lang, error) : null,
      frameSummary: [
        { label: t(lang, 'sessions.frame.disposed'), value: `${f.disposedFrom} – ${f.disposedTo}` },
        { label: t(lang, 'sessions.field.department'), value: listed(f.departments) },
        { label: t(lang, 'sessions.frame.sources'), value: listed(f.sources) },
        { label: t(lang, 'sessions.frame.tehsils'), value: listed(f.tehsils) },
        { label: t(lang, 'sessions.frame.thanas'), value: listed(f.thanas) },
        {
          label: t(lang, 'sessions.field.excludeVerifiedDays'),
          value: String(f.excludeVerifiedDays ?? 90),
        },
      ],
      problem: view.preview.problem ? t(lang, view.preview.problem.key, view.preview.problem.params) : null,
      overallMargin: percent(view.preview.margins?.overall ?? null),
      perDepartment: view.preview.perDepartment.map((d) => ({
        ...d,
        margin: percent(d.marginOfError),
        expected: Number(d.sampleSize.toFixed(1)),
      })),
      current: view.draws.find((d) => d.isCurrent) ?? null,
      // Twilio mode only: how many pool calls the IVR could make now, beside the button that starts them.
      ivr:
        telephonyMode(deps.config) === 'twilio'
          ? { waiting: await countIvrCandidates(db, id, deps.clock) }
          : null,
    });
  };

  /** The frame form of a session not drawn yet; once drawn, the page says why the frame cannot change. */
  const renderFrame = async (req: Request, res: Response, id: number, values?: Posted, error?: AppError) => {
    const session = await service.sessionFor(req.user!, id);
    const draws = await listDraws(db, id);
    const shown = values ?? filterAsPosted(session.filter);
    res.status(error ? error.status : 200).render('sessions/frame', {
      title: t(req.lang, 'sessions.frame.edit.title'),
      session,
      error: error && !draws.length ? formMessage(req.lang, error) : null,
      locked: draws.length
        ? t(req.lang, 'sessions.error.frameLockedAfterDraw', { draws: draws.length })
        : null,
      frame: frameFields(shown),
      departments: await departmentChoices(many(shown.departments)),
    });
  };

  /** A district's schedule settings form, as stored or as typed. */
  const renderSchedule = async (req: Request, res: Response, values?: Posted, error?: AppError) => {
    const lang = req.lang;
    const schedule = await service.districtSchedule(req.user!, idParam(req, 'districtId'));
    const weeks = values ? many(values.weeks) : new Set(schedule.settings.weeks.map(String));
    const weekdays = values ? many(values.weekdays) : new Set(schedule.settings.weekdays.map(String));
    res.status(error ? error.status : 200).render('sessions/schedule-settings', {
      title: t(lang, 'sessions.schedule.settings.title'),
      ...schedule,
      saved: req.query.saved === '1',
      error: error ? formMessage(lang, error) : null,
      weeks: [1, 2, 3, 4, 5].map((w) => ({
        value: w,
        label: t(lang, 'sessions.schedule.settings.week', {
          week: w,
          from: 7 * w - 6,
          to: Math.min(7 * w, 31),
        }),
        checked: weeks.has(String(w)),
      })),
      weekdays: WEEKDAYS.map((d) => ({
        value: d,
        label: t(lang, `sessions.weekday.${d}`),
        checked: weekdays.has(String(d)),
      })),
    });
  };

  const weekdayNames = (lang: Lang, days: number[]) =>
    days.map((d) => t(lang, `sessions.weekday.${d}`)).join(', ');

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
          schedule: (await service.schedule(user)).map((d) => ({
            ...d,
            weeksText: d.weeks.join(', '),
            weekdaysText: weekdayNames(req.lang, d.weekdays),
          })),
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
        await renderNewSession(req, res, {
          sessionDate: typeof req.query.date === 'string' ? req.query.date : today.toISODate(),
          districtId: typeof req.query.district === 'string' ? req.query.district : '',
          mode: 'officers',
          perCaller: 5,
          disposedFrom: today.minus({ days: 15 }).toISODate(),
          disposedTo: today.minus({ days: 1 }).toISODate(),
          excludeVerifiedDays: 90,
          designKind: 'proportional',
        });
      }),
    ),
    route(
      'post',
      '/sessions',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const body = req.body as Posted;
        await withFormErrors(
          async () => {
            const id = await service.createSession(req.user!, parseInput(newSessionInput, body));
            res.redirect(303, `/sessions/${id}`);
          },
          (error) => renderNewSession(req, res, body, error),
        );
      }),
    ),
    route(
      'get',
      '/sessions/schedule/:districtId',
      PLANNERS,
      'page',
      asyncHandler((req, res) => renderSchedule(req, res)),
    ),
    route(
      'post',
      '/sessions/schedule/:districtId',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const body = req.body as Posted;
        const districtId = idParam(req, 'districtId');
        await withFormErrors(
          async () => {
            await service.changeSchedule(req.user!, districtId, parseInput(scheduleInput, body));
            res.redirect(303, `/sessions/schedule/${districtId}?saved=1`);
          },
          (error) => renderSchedule(req, res, body, error),
        );
      }),
    ),
    route(
      'get',
      '/sessions/:id',
      PLANNERS,
      'page',
      asyncHandler((req, res) => renderSession(req, res, idParam(req))),
    ),
    route(
      'get',
      '/sessions/:id/frame',
      PLANNERS,
      'page',
      asyncHandler((req, res) => renderFrame(req, res, idParam(req))),
    ),
    route(
      'post',
      '/sessions/:id/frame',
      PLANNERS,
      'page',
      asyncHandler(async (req, res) => {
        const id = idParam(req);
        const body = req.body as Posted;
        await withFormErrors(
          async () => {
            await service.changeFrame(req.user!, id, parseInput(frameInput, body));
            res.redirect(303, `/sessions/${id}#frame`);
          },
          (error) => renderFrame(req, res, id, body, error),
        );
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
        await withFormErrors(
          async () => {
            await drawSample(deps, req.user!, id);
            res.redirect(303, `/sessions/${id}#allocation`);
          },
          (error) => renderSession(req, res, id, error),
        );
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
        const sessionOf = async () => {
          const row = (await db('call_tasks').where({ id: taskId }).first('session_id')) as
            { session_id: number } | undefined;
          if (!row) throw notFound();
          return row.session_id;
        };
        await withFormErrors(
          async () => {
            const { toUserId } = parseInput(moveInput, req.body);
            await moveTask(deps, user, taskId, toUserId, (d) => canSeeDistrict(user, d));
            res.redirect(303, `/sessions/${await sessionOf()}#allocation`);
          },
          // moveTask answers 404 for a task out of the user's districts, so a 400/409 here is about a task they see.
          async (error) => renderSession(req, res, await sessionOf(), error),
        );
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
      'get',
      '/api/sessions/schedule/:districtId',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        res.json({ data: await service.districtSchedule(req.user!, idParam(req, 'districtId')) });
      }),
    ),
    route(
      'post',
      '/api/sessions/schedule/:districtId',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        const settings = await service.changeSchedule(
          req.user!,
          idParam(req, 'districtId'),
          parseInput(scheduleInput, req.body),
        );
        res.json({ data: { settings } });
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
      '/api/sessions/:id/frame',
      PLANNERS,
      'json',
      asyncHandler(async (req, res) => {
        const id = idParam(req);
        await service.changeFrame(req.user!, id, parseInput(frameInput, req.body));
        res.json({ data: { filter: (await service.sessionFor(req.user!, id)).filter } });
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
