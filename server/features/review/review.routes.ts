// Routes of the review: flags and their decisions, explanation demands, letters and the re-opening list.
import type { Request, Response } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { IST, nowDb } from '../../shared/dates.js';
import { notFound } from '../../shared/errors.js';
import { asyncHandler, parseInput, route, type RouteDef } from '../../shared/http.js';
import { isLang, t } from '../../shared/i18n.js';
import { buildLetter, findingText, reopeningCsv } from './letters.js';
import { REJECTION_REASONS } from './reason-codes.js';
import {
  demandsWithContext,
  findSession,
  flagsWithContext,
  satisfiedUnflagged,
} from './review.repository.js';
import type { ReviewService } from './review.service.js';

const REVIEWERS = ['admin', 'supervisor', 'session_officer'] as const;
const SUPERVISORS = ['admin', 'supervisor'] as const;

const asList = (v: unknown) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);
const id = z.coerce.number().int().positive();

const rejectInput = z.object({
  reasonCodes: z.preprocess(asList, z.array(z.enum(REJECTION_REASONS))),
  otherText: z.string().max(1000).optional(),
  note: z.string().max(4000).optional(),
});
const noteInput = z.object({ note: z.string().max(4000).default('') });
const perfunctoryInput = z.object({ complaintId: id, note: z.string().max(4000).default('') });
const replyInput = z.object({
  text: z.string().max(8000).default(''),
  receivedOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .or(z.literal('').transform(() => undefined)),
});
const decisionInput = z.object({
  accepted: z.preprocess((v) => v === true || v === 'true' || v === '1' || v === 'yes', z.boolean()),
  note: z.string().max(4000).default(''),
});

const paramId = (req: Request, name = 'id') => parseInput(id, req.params[name]);
const wantsPage = (req: Request) => req.accepts(['json', 'html']) === 'html' && !req.path.startsWith('/api/');
/** Forms post to the page URL and come back to it; fetch callers get JSON. */
const done = (req: Request, res: Response, back: string, body: object) =>
  wantsPage(req) ? res.redirect(303, back) : res.json(body);

const parseJson = (text: string | null): Array<{ code: string; text?: string }> => {
  try {
    return JSON.parse(text ?? '[]') as Array<{ code: string; text?: string }>;
  } catch {
    return [];
  }
};

export function reviewRoutes(deps: AppDeps, review: ReviewService): RouteDef[] {
  const { db } = deps;

  const reject = asyncHandler(async (req, res) => {
    const flagId = paramId(req);
    const input = parseInput(rejectInput, req.body);
    const result = await review.rejectReport(req.user!, flagId, input);
    done(req, res, `/review/flags/${flagId}`, { flagId, status: 'rejected', demandId: result.demandId });
  });
  const uphold = asyncHandler(async (req, res) => {
    const flagId = paramId(req);
    const { note } = parseInput(noteInput, req.body);
    await review.upholdReport(req.user!, flagId, note);
    done(req, res, `/review/flags/${flagId}`, { flagId, status: 'upheld' });
  });
  const flagPerfunctory = asyncHandler(async (req, res) => {
    const sessionId = paramId(req, 'sessionId');
    const { complaintId, note } = parseInput(perfunctoryInput, req.body);
    const flagId = await review.flagPerfunctory(req.user!, sessionId, complaintId, note);
    done(req, res, `/review/flags/${flagId}`, { flagId, status: 'open' });
  });
  const reply = asyncHandler(async (req, res) => {
    const demandId = paramId(req);
    const input = parseInput(replyInput, req.body);
    const receivedAt = input.receivedOn ? DateTime.fromISO(input.receivedOn, { zone: IST }) : undefined;
    await review.recordReply(req.user!, demandId, input.text, receivedAt);
    done(req, res, `/review/explanations/${demandId}`, { demandId, status: 'replied' });
  });
  const decide = asyncHandler(async (req, res) => {
    const demandId = paramId(req);
    const input = parseInput(decisionInput, req.body);
    await review.decideExplanation(req.user!, demandId, input.accepted, input.note);
    const status = input.accepted ? 'accepted' : 'not_accepted';
    done(req, res, `/review/explanations/${demandId}`, { demandId, status });
  });

  /** Flags the user may review: supervisors every flag in scope, session officers those of their sessions. */
  const visibleFlags = (req: Request) => {
    const user = req.user!;
    const q = flagsWithContext(db, user);
    if (user.role === 'session_officer') {
      q.where((w) =>
        w
          .where('s.created_by', user.id)
          .orWhereIn('f.session_id', db('session_callers').where('user_id', user.id).select('session_id')),
      );
    }
    const sessionId = Number(req.query.sessionId);
    if (Number.isInteger(sessionId) && sessionId > 0) q.where('f.session_id', sessionId);
    const status = req.query.status;
    if (typeof status === 'string' && ['open', 'rejected', 'upheld'].includes(status))
      q.where('f.status', status);
    return q;
  };
  const visibleDemands = (req: Request) => {
    const user = req.user!;
    const q = demandsWithContext(db, user);
    if (user.role === 'session_officer') {
      q.where((w) =>
        w
          .where('s.created_by', user.id)
          .orWhereIn('e.session_id', db('session_callers').where('user_id', user.id).select('session_id')),
      );
    }
    const sessionId = Number(req.query.sessionId);
    if (Number.isInteger(sessionId) && sessionId > 0) q.where('e.session_id', sessionId);
    return q;
  };
  const overdueOnly = (q: ReturnType<typeof visibleDemands>) =>
    q.where('e.status', 'demanded').where('e.deadline_at', '<', nowDb(deps.clock));

  const decorateFlag = (lang: 'hi' | 'en') => (f: Record<string, unknown>) => ({
    ...f,
    department: lang === 'en' ? f.departmentEn : f.departmentHi,
    reasonLabel: t(lang, `review.flagReason.${String(f.reason)}`),
    verdictLabel: f.verdict ? t(lang, `calls.verdict.${String(f.verdict)}`) : '',
    statusLabel: t(lang, `review.status.${String(f.status)}`),
    demandLabel: f.demandStatus ? t(lang, `review.demand.${String(f.demandStatus)}`) : '',
    reasons: parseJson(f.reasonCodes as string).map((r) =>
      r.code === 'other' ? r.text : t(lang, `review.reason.${r.code}`),
    ),
    answersList: Object.entries(
      JSON.parse((f.answers as string | null) ?? '{}') as Record<string, unknown>,
    ).map(([k, v]) => ({ question: k, answer: String(v) })),
  });
  const decorateDemand =
    (lang: 'hi' | 'en', now: string) =>
    (d: Record<string, unknown>): Record<string, unknown> & { overdue: boolean } => ({
      ...d,
      department: lang === 'en' ? d.departmentEn : d.departmentHi,
      statusLabel: t(lang, `review.demand.${String(d.status)}`),
      finding: findingText(
        lang,
        (d.reasonCodes as string | null) ?? null,
        (d.finding as string | null) ?? null,
      ),
      overdue: d.status === 'demanded' && String(d.deadlineAt) < now,
    });

  return [
    // Flags and decisions
    route(
      'get',
      '/api/review/flags',
      REVIEWERS,
      'json',
      asyncHandler(async (req, res) => {
        res.json({ flags: (await visibleFlags(req)).map(decorateFlag(req.lang)) });
      }),
    ),
    route('post', '/api/review/flags/:id/reject', REVIEWERS, 'json', reject),
    route('post', '/api/review/flags/:id/uphold', REVIEWERS, 'json', uphold),
    route('post', '/api/review/sessions/:sessionId/flags', REVIEWERS, 'json', flagPerfunctory),
    route(
      'get',
      '/review',
      REVIEWERS,
      'page',
      asyncHandler(async (req, res) => {
        const flags = (await visibleFlags(req)).map(decorateFlag(req.lang));
        // With one session chosen, its satisfied but unflagged reports, which the officer may flag as perfunctory.
        const sessionId = Number(req.query.sessionId);
        let satisfied: unknown[] = [];
        if (Number.isInteger(sessionId) && sessionId > 0) {
          await review.assertMayReview(db, req.user!, await findSession(db, sessionId));
          satisfied = await satisfiedUnflagged(db, sessionId);
        }
        res.render('review/flags', {
          title: t(req.lang, 'review.flags.title'),
          flags,
          satisfied,
          status: req.query.status ?? '',
          sessionId: req.query.sessionId ?? '',
        });
      }),
    ),
    route(
      'get',
      '/review/flags/:id',
      REVIEWERS,
      'page',
      asyncHandler(async (req, res) => {
        const flagId = paramId(req);
        const [flag] = (await visibleFlags(req).where('f.id', flagId)).map(decorateFlag(req.lang));
        if (!flag) throw notFound('review.error.noFlag');
        const reasons = REJECTION_REASONS.map((code) => ({
          code,
          label: t(req.lang, `review.reason.${code}`),
        }));
        res.render('review/flag', { title: t(req.lang, 'review.flag.title'), flag, reasons });
      }),
    ),
    route('post', '/review/flags/:id/reject', REVIEWERS, 'page', reject),
    route('post', '/review/flags/:id/uphold', REVIEWERS, 'page', uphold),
    route('post', '/review/sessions/:sessionId/flags', REVIEWERS, 'page', flagPerfunctory),

    // Explanation demands
    route(
      'get',
      '/api/review/explanations',
      REVIEWERS,
      'json',
      asyncHandler(async (req, res) => {
        const now = nowDb(deps.clock);
        res.json({ explanations: (await visibleDemands(req)).map(decorateDemand(req.lang, now)) });
      }),
    ),
    route(
      'get',
      '/api/review/explanations/overdue',
      REVIEWERS,
      'json',
      asyncHandler(async (req, res) => {
        const now = nowDb(deps.clock);
        res.json({
          explanations: (await overdueOnly(visibleDemands(req))).map(decorateDemand(req.lang, now)),
        });
      }),
    ),
    route('post', '/api/review/explanations/:id/reply', REVIEWERS, 'json', reply),
    route('post', '/api/review/explanations/:id/decision', REVIEWERS, 'json', decide),
    route(
      'get',
      '/review/explanations',
      REVIEWERS,
      'page',
      asyncHandler(async (req, res) => {
        const now = nowDb(deps.clock);
        const all = (await visibleDemands(req)).map(decorateDemand(req.lang, now));
        const letters = new Map<
          string,
          {
            sessionId: unknown;
            officerId: unknown;
            officerName: unknown;
            sessionTitle: unknown;
            count: number;
          }
        >();
        for (const d of all) {
          if (!d.officerId) continue;
          const key = `${d.sessionId}/${d.officerId}`;
          const entry = letters.get(key) ?? {
            sessionId: d.sessionId,
            officerId: d.officerId,
            officerName: d.officerName,
            sessionTitle: d.sessionTitle,
            count: 0,
          };
          entry.count += 1;
          letters.set(key, entry);
        }
        res.render('review/explanations', {
          title: t(req.lang, 'review.explanations.title'),
          explanations: all,
          overdue: all.filter((d) => d.overdue),
          letters: [...letters.values()],
        });
      }),
    ),
    route(
      'get',
      '/review/explanations/:id',
      REVIEWERS,
      'page',
      asyncHandler(async (req, res) => {
        const demandId = paramId(req);
        await review.demandFor(req.user!, demandId);
        const [demand] = (await visibleDemands(req).where('e.id', demandId)).map(
          decorateDemand(req.lang, nowDb(deps.clock)),
        );
        if (!demand) throw notFound('review.error.noDemand');
        res.render('review/explanation', { title: t(req.lang, 'review.explanation.title'), demand });
      }),
    ),
    route('post', '/review/explanations/:id/reply', REVIEWERS, 'page', reply),
    route('post', '/review/explanations/:id/decision', REVIEWERS, 'page', decide),

    // The consolidated letter to one officer for one session, Hindi by default (?lang=en for the English one)
    route(
      'get',
      '/review/sessions/:sessionId/letters/:officerId',
      REVIEWERS,
      'page',
      asyncHandler(async (req, res) => {
        const sessionId = paramId(req, 'sessionId');
        const officerId = paramId(req, 'officerId');
        await review.assertMayReview(db, req.user!, await findSession(db, sessionId));
        // ?in= picks the letter's language without switching the user's own (the Hindi letter is the official one).
        const lang = isLang(req.query.in) ? req.query.in : req.lang;
        const letter = await buildLetter(db, sessionId, officerId, lang);
        if (!letter) throw notFound('review.error.noLetter');
        res.render('review/letter', {
          title: t(lang, 'review.letter.title'),
          lang,
          letter,
          scripts: ['/static/js/print-button.js'],
        });
      }),
    ),

    // The re-opening list for the IGRS portal: supervisors only, and every export is audited
    route(
      'get',
      '/review/reopening.csv',
      SUPERVISORS,
      'file',
      asyncHandler(async (req, res) => {
        const sessionId = Number(req.query.sessionId);
        const csv = await reopeningCsv(
          db,
          req.user!,
          Number.isInteger(sessionId) && sessionId > 0 ? sessionId : null,
          req.lang,
        );
        await db.transaction((trx) =>
          deps.audit.record(trx, {
            userId: req.user!.id,
            action: 'export.reopening',
            entity: 'report_flag',
            entityId: Number.isInteger(sessionId) ? `session:${sessionId}` : 'all',
            after: { rows: csv.rows },
          }),
        );
        res.setHeader('content-type', 'text/csv; charset=utf-8');
        res.setHeader('content-disposition', `attachment; filename="reopening-${istStamp(deps)}.csv"`);
        res.send(csv.text);
      }),
    ),
  ];
}

const istStamp = (deps: AppDeps) => deps.clock.now().setZone(IST).toFormat('yyyyMMdd-HHmm');
