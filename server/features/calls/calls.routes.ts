// The calls feature's routes: the caller's console pages, the claim and outcome endpoints, and the script editor.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { canSeeDistrict, whereInScope } from '../auth/users.repository.js';
import { dialControl } from '../telephony/dial-control.js';

import { formatIst, fromDbTime, istDay } from '../../shared/dates.js';
import { AppError, forbidden, notFound } from '../../shared/errors.js';
import { asyncHandler, parseInput, route, type RouteDef } from '../../shared/http.js';
import { isLang, t, type Lang } from '../../shared/i18n.js';
import type { CallQueue, MyCalls, TaskRow } from './call-queue.service.js';
import { DISPOSITIONS, VERDICTS } from './dispositions.js';
import { nextDueCall } from './next-due.js';
import { taskOutcomesFor } from './outcome-history.js';
import type { OutcomesService } from './outcomes.service.js';
import { SCRIPT_VARIABLES, type ScriptsService } from './scripts.service.js';

const CALLERS = ['caller', 'session_officer'] as const;
const VIEWERS = ['caller', 'session_officer', 'supervisor', 'admin'] as const;
const EDITORS = ['supervisor', 'admin'] as const;

const taskIdParam = z.object({ taskId: z.coerce.number().int().positive() });
const stateInput = z.object({ state: z.enum(['idle', 'dialling', 'on-call', 'wrapping-up']) });
const scriptInput = z.object({
  language: z.enum(['hi', 'en']),
  body: z.string().max(20_000),
  questions: z.unknown(),
  complaintId: z.coerce.number().int().positive(),
});

export interface CallsServices {
  queue: CallQueue;
  outcomes: OutcomesService;
  scripts: ScriptsService;
}

interface TaskView extends TaskRow {
  district_id: number;
  reference_no: string;
  complainant_name: string | null;
  mobile: string | null;
  address: string | null;
  subject: string | null;
  complaint_text: string | null;
  disposal_report: string | null;
  received_at: string | null;
  disposed_at: string | null;
  source: string | null;
  tehsil: string | null;
  thana: string | null;
  department: string;
  district: string;
}

export function callsRoutes(deps: AppDeps, s: CallsServices): RouteDef[] {
  const user = (req: Request) => req.user!;

  async function loadTask(req: Request, taskId: number): Promise<TaskView> {
    const lang = req.lang;
    const task = (await deps
      .db('call_tasks as t')
      .join('complaints as c', 'c.id', 't.complaint_id')
      .join('feedback_sessions as fs', 'fs.id', 't.session_id')
      .join('departments as dep', 'dep.id', 'c.department_id')
      .join('districts as d', 'd.id', 'fs.district_id')
      .where('t.id', taskId)
      .first(
        't.*',
        'fs.district_id',
        'c.reference_no',
        'c.complainant_name',
        'c.mobile',
        'c.address',
        'c.subject',
        'c.complaint_text',
        'c.disposal_report',
        'c.received_at',
        'c.disposed_at',
        'c.source',
        'c.tehsil',
        'c.thana',
        `dep.name_${lang} as department`,
        `d.name_${lang} as district`,
      )) as TaskView | undefined;
    if (!task) throw notFound('calls.error.taskNotFound', { taskId });
    const u = user(req);
    const own = task.assigned_user_id === u.id || task.lease_user_id === u.id;
    const mayView = (EDITORS as readonly string[]).includes(u.role)
      ? canSeeDistrict(u, task.district_id)
      : own;
    if (!mayView && !(await everAttempted(taskId, u.id))) {
      // Name the reference only to someone who may see the district; others learn nothing of the task.
      if (!canSeeDistrict(u, task.district_id)) throw notFound('calls.error.taskNotFound', { taskId });
      throw forbidden('calls.error.notYourTask', { reference: task.reference_no });
    }
    return task;
  }

  const everAttempted = async (taskId: number, userId: number) =>
    Boolean(await deps.db('call_attempts').where({ task_id: taskId, user_id: userId }).first('id'));

  async function taskPage(req: Request) {
    const { taskId } = parseInput(taskIdParam, req.params);
    const task = await loadTask(req, taskId);
    const u = user(req);
    const lease = s.queue.leaseState(task, u.id);
    const leaseLost = lease !== 'held' && (await leaseRanOut(taskId, u.id, task));
    const lang: Lang = isLang(req.lang) ? req.lang : 'hi';
    const script = await s.scripts.scriptForCall(task.complaint_id, u, lang);
    const dial = dialControl(deps.config, { taskId, mobile: lease === 'held' ? task.mobile : null });
    const outcomes = await taskOutcomesFor(deps.db, u, taskId);
    return {
      title: t(lang, 'calls.task.title', { reference: task.reference_no }),
      task,
      holding: lease === 'held',
      leaseLost,
      // The full number only for the caller who holds the lease, and never in Twilio mode, where the
      // bridge dials it; everyone else sees it masked.
      mobile: dial.mobile,
      dial,
      script: {
        id: script.script.id,
        version: script.script.version,
        text: script.text,
        error: script.error ? t(lang, script.error.key, script.error.params) : null,
        questions: script.script.questions,
      },
      dispositions: DISPOSITIONS.map((d) => ({
        ...d,
        key: d.key.toUpperCase(),
        label: t(lang, `calls.disposition.${d.code}`),
      })),
      verdicts: VERDICTS.map((v, i) => ({
        code: v,
        key: String(i + 1),
        label: t(lang, `calls.verdict.${v}`),
      })),
      isAttemptAgain: task.attempts > 0,
      // Earlier outcomes of this task the user may open, to see their history or correct them.
      outcomes: outcomes.map((o) => ({
        ...o,
        dispositionLabel: t(lang, `calls.disposition.${o.disposition}`),
        verdictLabel: o.verdict ? t(lang, `calls.verdict.${o.verdict}`) : '—',
        who: o.userName ?? t(lang, 'calls.outcomes.automated'),
        isCorrection: o.correctsOutcomeId !== null,
      })),
      idempotencyKey: randomUUID(),
      consoleData: {
        taskId: task.id,
        scriptId: script.script.id,
        questions: script.script.questions,
        messages: {
          saved: t(lang, 'calls.console.saved'),
          network: t(lang, 'calls.console.networkError'),
          saving: t(lang, 'calls.console.saving'),
        },
      },
      scripts: ['/static/js/console.js'],
    };
  }

  /** Whether this caller had the task and lost it to the lease running out (the console says so plainly). */
  async function leaseRanOut(taskId: number, userId: number, task: TaskRow): Promise<boolean> {
    if (task.status === 'claimed' && task.lease_user_id === userId) return true; // held but expired
    const last = (await deps
      .db('call_attempts')
      .where({ task_id: taskId, user_id: userId })
      .orderBy('id', 'desc')
      .first('error_key', 'disposition')) as
      { error_key: string | null; disposition: string | null } | undefined;
    return last?.error_key === 'calls.error.leaseExpired';
  }

  async function mine(req: Request) {
    const m = await s.queue.myCalls(user(req).id);
    return m;
  }

  /** Nothing to call now: say what comes next (a call-back, a retry), or that all is done, or that nothing is given. */
  async function emptyState(req: Request, calls: MyCalls, total: number) {
    const lang = req.lang;
    const next = await nextDueCall(deps.db, user(req).id, deps.clock);
    const sameDay = next && istDay(fromDbTime(next.dueAt)!) === istDay(deps.clock.now());
    const at = next ? formatIst(next.dueAt, lang, sameDay ? 'time' : 'datetime') : '';
    return {
      title: t(lang, 'calls.mine.empty.title'),
      detail: next
        ? t(lang, next.isCallback ? 'calls.mine.empty.nextCallback' : 'calls.mine.empty.nextRetry', {
            time: at,
          })
        : calls.assigned && calls.done >= calls.assigned
          ? t(lang, 'calls.mine.empty.allDone', { total })
          : t(lang, 'calls.mine.empty.nothingPlanned'),
    };
  }

  async function emitState(
    req: Request,
    taskId: number,
    state: 'idle' | 'dialling' | 'on-call' | 'wrapping-up',
  ) {
    const task = await loadTask(req, taskId);
    if (s.queue.leaseState(task, user(req).id) !== 'held') return;
    deps.events.emit('caller:state', {
      sessionId: task.session_id,
      districtId: task.district_id,
      userId: user(req).id,
      state,
    });
  }

  async function claim(req: Request) {
    const result = await s.queue.claimNextTask(user(req).id);
    if (result.task) {
      deps.events.emit('caller:state', {
        sessionId: result.task.session_id,
        districtId: result.districtId,
        userId: user(req).id,
        state: 'idle',
      });
    }
    return result;
  }

  return [
    // The caller's console
    route(
      'get',
      '/calls',
      VIEWERS,
      'page',
      asyncHandler(async (req, res) => {
        const lang = req.lang;
        const m = await mine(req);
        const reason = typeof req.query.none === 'string' ? req.query.none : null;
        const canCall = (CALLERS as readonly string[]).includes(user(req).role);
        const total = Math.max(m.assigned, m.done);
        const empty = canCall && !m.waiting && !m.heldTaskId ? await emptyState(req, m, total) : null;
        res.render('calls/mine', {
          title: t(lang, 'calls.mine.title'),
          mine: m,
          total,
          canCall,
          canEditScripts: (EDITORS as readonly string[]).includes(user(req).role),
          empty,
          noneMessage:
            reason === 'outsideHours'
              ? t(lang, 'calls.queue.outsideHours')
              : reason && !empty
                ? t(lang, 'calls.queue.empty')
                : null,
          scripts: ['/static/js/console.js'],
        });
      }),
    ),
    route(
      'post',
      '/calls/next',
      CALLERS,
      'page',
      asyncHandler(async (req, res) => {
        const result = await claim(req);
        if (result.task) res.redirect(303, `/calls/tasks/${result.task.id}`);
        else res.redirect(303, `/calls?none=${result.reason}`);
      }),
    ),
    route(
      'get',
      '/calls/tasks/:taskId',
      VIEWERS,
      'page',
      asyncHandler(async (req, res) => {
        res.render('calls/task', await taskPage(req));
      }),
    ),

    // JSON for the console and other clients
    route(
      'post',
      '/api/calls/next',
      CALLERS,
      'json',
      asyncHandler(async (req, res) => {
        const result = await claim(req);
        if (!result.task) {
          res.json({
            data: {
              task: null,
              reason: result.reason,
              message: t(
                req.lang,
                result.reason === 'outsideHours' ? 'calls.queue.outsideHours' : 'calls.queue.empty',
              ),
            },
          });
          return;
        }
        const task = result.task;
        res.json({
          data: {
            task: {
              id: task.id,
              sessionId: task.session_id,
              complaintId: task.complaint_id,
              leaseExpiresAt: task.lease_expires_at,
              isCallback: Boolean(task.is_callback),
            },
            resumed: result.resumed,
          },
        });
      }),
    ),
    route(
      'get',
      '/api/calls/mine',
      VIEWERS,
      'json',
      asyncHandler(async (req, res) => {
        // `next`: the earliest call-back or retry not yet due, for a console with nothing to call now.
        res.json({
          data: { ...(await mine(req)), next: await nextDueCall(deps.db, user(req).id, deps.clock) },
        });
      }),
    ),
    route(
      'post',
      '/api/tasks/:taskId/outcome',
      CALLERS,
      'json',
      asyncHandler(async (req, res) => {
        const { taskId } = parseInput(taskIdParam, req.params);
        const r = await s.outcomes.recordOutcome(user(req).id, taskId, req.body ?? {});
        res.status(r.repeated ? 200 : 201).json({
          data: {
            outcomeId: r.outcome.id,
            taskStatus: r.taskStatus,
            repeated: r.repeated,
            replacementTaskId: r.replacementTaskId,
            message: t(req.lang, 'calls.console.saved'),
          },
        });
      }),
    ),
    route(
      'post',
      '/api/tasks/:taskId/state',
      CALLERS,
      'json',
      asyncHandler(async (req, res) => {
        const { taskId } = parseInput(taskIdParam, req.params);
        const { state } = parseInput(stateInput, req.body);
        await emitState(req, taskId, state);
        res.json({ data: { state } });
      }),
    ),
    // Script editor (supervisors)
    route(
      'get',
      '/calls/scripts',
      EDITORS,
      'page',
      asyncHandler(async (req, res) => {
        const lang: Lang = req.query.script === 'en' ? 'en' : req.query.script === 'hi' ? 'hi' : req.lang;
        const script = await s.scripts.currentScript(lang);
        // The preview's sample complaint comes from the editor's own districts only.
        const sample = (await whereInScope(deps.db('complaints'), user(req), 'district_id')
          .orderBy('id', 'desc')
          .first('id', 'reference_no')) as { id: number; reference_no: string } | undefined;
        res.render('calls/scripts', {
          title: t(req.lang, 'calls.scripts.title'),
          script,
          scriptLang: lang,
          questionsJson: JSON.stringify(script.questions, null, 2),
          versions: await s.scripts.versions(lang),
          sample,
          variables: SCRIPT_VARIABLES,
          scripts: ['/static/js/script-editor.js'],
        });
      }),
    ),
    route(
      'post',
      '/api/calls/scripts/preview',
      EDITORS,
      'json',
      asyncHandler(async (req, res) => {
        const input = parseInput(scriptInput, req.body);
        await complaintInScope(req, input.complaintId);
        res.json({ data: await s.scripts.preview(input, user(req)) });
      }),
    ),
    route(
      'post',
      '/api/calls/scripts',
      EDITORS,
      'json',
      asyncHandler(async (req, res) => {
        const input = parseInput(scriptInput, req.body);
        await complaintInScope(req, input.complaintId);
        const saved = await s.scripts.saveScript(user(req).id, input, user(req));
        res.status(201).json({
          data: {
            id: saved.id,
            version: saved.version,
            message: t(req.lang, 'calls.scripts.saved', { version: saved.version }),
            // The editor's list of versions gets this line, as the page writes it.
            versionLine: `v${saved.version} · ${formatIst(saved.created_at, req.lang)} · ${user(req).displayName}`,
          },
        });
      }),
    ),
  ];

  async function complaintInScope(req: Request, complaintId: number) {
    const c = (await deps.db('complaints').where({ id: complaintId }).first('district_id')) as
      { district_id: number } | undefined;
    if (!c) throw new AppError(404, 'calls.error.complaintNotFound');
    if (!canSeeDistrict(user(req), c.district_id)) throw forbidden();
  }
}
