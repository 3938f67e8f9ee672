// Outcome corrections: a session's outcomes, one outcome's history, and the correction form and endpoint.
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { type AppError, notFound } from '../../shared/errors.js';
import { asyncHandler, parseInput, route, withFormErrors, type RouteDef } from '../../shared/http.js';
import { t, type Lang } from '../../shared/i18n.js';
import { canSeeDistrict, type SignedInUser } from '../auth/users.repository.js';
import { dispositionOf, VERDICTS } from './dispositions.js';
import {
  correctionRefusal,
  listSessionOutcomes,
  outcomeFor,
  type OutcomeEntry,
  type OutcomeHistory,
} from './outcome-history.js';
import type { CorrectionInput, OutcomesService } from './outcomes.service.js';
import type { ScriptQuestion } from './scripts.service.js';

const CORRECTORS = ['caller', 'session_officer', 'supervisor', 'admin'] as const;
const SUPERVISORS = ['supervisor', 'admin'] as const;

const outcomeIdParam = z.object({ outcomeId: z.coerce.number().int().positive() });
const sessionIdParam = z.object({ id: z.coerce.number().int().positive() });

/** The label of each correction field, so a refused value is named in the reader's language. */
const FIELD_LABELS: Record<string, string> = {
  verdict: 'calls.outcome.verdict',
  answers: 'calls.correction.answers',
  remarks: 'calls.outcome.remarks',
  reason: 'calls.correction.reason',
};

type Posted = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** A refused correction as a sentence: a missing reason says what it is for; another field is named by its label. */
function formMessage(lang: Lang, error: AppError): string {
  const field = String(error.params.field ?? '').split('.')[0]!;
  if (error.key === 'error.invalidInput' && field === 'reason')
    return t(lang, 'calls.correction.reasonRequired');
  if (error.key === 'error.invalidInput' && FIELD_LABELS[field])
    return t(lang, 'calls.correction.fieldInvalid', { field: t(lang, FIELD_LABELS[field]) });
  return t(lang, error.key, error.params);
}

/** What the form posts, as a correction: answers start from the latest ones, so answers the form has no field for stay. */
function correctionFromForm(body: Posted, history: OutcomeHistory): CorrectionInput {
  const answers: Record<string, unknown> = { ...history.latest.answers };
  for (const q of history.questions) {
    const value = body[`answer.${q.id}`];
    if (value === undefined) continue;
    if (value === '') delete answers[q.id];
    else answers[q.id] = value;
  }
  const verdict = body.verdict === undefined ? undefined : text(body.verdict) || null;
  const remarks = body.remarks === undefined ? undefined : text(body.remarks).trim() || null;
  return {
    idempotencyKey: text(body.idempotencyKey),
    reason: text(body.reason),
    ...(verdict !== undefined && { verdict }),
    ...(remarks !== undefined && { remarks }),
    answers: answers as CorrectionInput['answers'],
  } as CorrectionInput;
}

const answerLabel = (lang: Lang, q: ScriptQuestion | undefined, value: unknown): string => {
  if (value === null || value === undefined || value === '') return t(lang, 'calls.outcomes.noAnswer');
  if (q?.type === 'yesno' && (value === 'yes' || value === 'no')) return t(lang, `calls.answer.${value}`);
  if (q?.type === 'choice') return q.options?.find((o) => o.value === value)?.label ?? String(value);
  return String(value);
};

export function correctionsRoutes(deps: AppDeps, outcomes: OutcomesService): RouteDef[] {
  const { db } = deps;
  const user = (req: Request) => req.user!;

  const entryView =
    (lang: Lang, history: OutcomeHistory, askedId: number) => (e: OutcomeEntry, i: number) => {
      const byId = new Map(history.questions.map((q) => [q.id, q]));
      return {
        ...e,
        label: i === 0 ? t(lang, 'calls.outcomes.original') : t(lang, 'calls.outcomes.correction', { n: i }),
        asked: e.id === askedId,
        who: e.userName ?? t(lang, 'calls.outcomes.automated'),
        dispositionLabel: t(lang, `calls.disposition.${e.disposition}`),
        verdictLabel: e.verdict ? t(lang, `calls.verdict.${e.verdict}`) : t(lang, 'calls.outcomes.noVerdict'),
        answersList: Object.entries(e.answers).map(([id, value]) => ({
          question: byId.get(id)?.text ?? id,
          answer: answerLabel(lang, byId.get(id), value),
        })),
      };
    };

  /** The outcome page: its history and, when this user may correct it, the form (again as typed after a refusal). */
  async function renderOutcome(
    req: Request,
    res: Response,
    outcomeId: number,
    posted?: Posted,
    error?: AppError,
  ) {
    const lang = req.lang;
    const u = user(req);
    const history = await outcomeFor(db, u, outcomeId);
    const latest = history.latest;
    const refusal = correctionRefusal(u, history);
    const values = posted ?? {};
    const typed = (name: string, stored: unknown) =>
      posted && posted[name] !== undefined
        ? text(posted[name])
        : stored === null || stored === undefined
          ? ''
          : String(stored);
    const rule = dispositionOf(latest.disposition)?.verdict ?? 'none';
    const verdictNow = typed('verdict', latest.verdict);
    const supervising = (SUPERVISORS as readonly string[]).includes(u.role);
    res.status(error ? error.status : 200).render('calls/outcome', {
      title: t(lang, 'calls.outcomes.title', { reference: history.task.referenceNo }),
      task: {
        ...history.task,
        department: lang === 'en' ? history.task.departmentEn : history.task.departmentHi,
      },
      backHref: supervising
        ? `/sessions/${history.task.sessionId}/outcomes`
        : `/calls/tasks/${history.task.id}`,
      backLabel: t(lang, supervising ? 'calls.outcomes.backToSession' : 'calls.outcomes.backToTask'),
      chain: history.chain.map(entryView(lang, history, outcomeId)),
      saved: !posted && req.query.corrected === '1',
      error: error ? formMessage(lang, error) : null,
      refusal: refusal ? t(lang, refusal) : null,
      form: refusal
        ? null
        : {
            outcomeId: latest.id,
            idempotencyKey: randomUUID(),
            dispositionLabel: t(lang, `calls.disposition.${latest.disposition}`),
            takesVerdict: rule !== 'none',
            verdicts: [
              ...(rule === 'allowed' ? [{ code: '', label: t(lang, 'calls.outcomes.noVerdict') }] : []),
              ...VERDICTS.map((v) => ({ code: v, label: t(lang, `calls.verdict.${v}`) })),
            ].map((v) => ({ ...v, checked: v.code === verdictNow })),
            questions: history.questions.map((q) => {
              const now = typed(`answer.${q.id}`, latest.answers[q.id]);
              const options =
                q.type === 'yesno'
                  ? [
                      { value: 'yes', label: t(lang, 'calls.answer.yes') },
                      { value: 'no', label: t(lang, 'calls.answer.no') },
                    ]
                  : (q.options ?? []);
              return {
                id: q.id,
                text: q.text,
                isText: q.type === 'text',
                value: now,
                options: [{ value: '', label: t(lang, 'calls.outcomes.noAnswer') }, ...options].map((o) => ({
                  ...o,
                  checked: o.value === now,
                })),
              };
            }),
            remarks: typed('remarks', latest.remarks),
            reason: text(values.reason),
          },
    });
  }

  /** The session, when it exists and lies in the user's districts. */
  async function sessionFor(u: SignedInUser, sessionId: number) {
    const session = (await db('feedback_sessions')
      .where({ id: sessionId })
      .first('id', 'title', 'district_id')) as { id: number; title: string; district_id: number } | undefined;
    if (!session || !canSeeDistrict(u, session.district_id))
      throw notFound('telephony.error.sessionNotFound');
    return session;
  }

  return [
    // Pages
    route(
      'get',
      '/sessions/:id/outcomes',
      SUPERVISORS,
      'page',
      asyncHandler(async (req, res) => {
        const lang = req.lang;
        const { id } = parseInput(sessionIdParam, req.params);
        const session = await sessionFor(user(req), id);
        const list = await listSessionOutcomes(db, session.id);
        res.render('calls/session-outcomes', {
          title: t(lang, 'calls.outcomes.sessionTitle', { session: session.title }),
          session,
          outcomes: list.map((o) => ({
            ...o,
            department: lang === 'en' ? o.departmentEn : o.departmentHi,
            who: o.userName ?? t(lang, 'calls.outcomes.automated'),
            dispositionLabel: t(lang, `calls.disposition.${o.disposition}`),
            verdictLabel: o.verdict ? t(lang, `calls.verdict.${o.verdict}`) : '—',
          })),
        });
      }),
    ),
    route(
      'get',
      '/calls/outcomes/:outcomeId',
      CORRECTORS,
      'page',
      asyncHandler(async (req, res) => {
        const { outcomeId } = parseInput(outcomeIdParam, req.params);
        await renderOutcome(req, res, outcomeId);
      }),
    ),
    route(
      'post',
      '/calls/outcomes/:outcomeId/correction',
      CORRECTORS,
      'page',
      asyncHandler(async (req, res) => {
        const { outcomeId } = parseInput(outcomeIdParam, req.params);
        // Whoever may not open the outcome is refused before anything they sent is read.
        const history = await outcomeFor(db, user(req), outcomeId);
        const body = (req.body ?? {}) as Posted;
        await withFormErrors(
          async () => {
            const r = await outcomes.correctOutcome(user(req), outcomeId, correctionFromForm(body, history));
            res.redirect(303, `/calls/outcomes/${r.outcome.id}?corrected=1`);
          },
          (error) => renderOutcome(req, res, outcomeId, body, error),
        );
      }),
    ),

    // JSON
    route(
      'get',
      '/api/outcomes/:outcomeId',
      CORRECTORS,
      'json',
      asyncHandler(async (req, res) => {
        const { outcomeId } = parseInput(outcomeIdParam, req.params);
        const history = await outcomeFor(db, user(req), outcomeId);
        const refusal = correctionRefusal(user(req), history);
        res.json({
          data: {
            task: history.task,
            chain: history.chain,
            latestId: history.latest.id,
            mayCorrect: refusal === null,
            refusal: refusal ? t(req.lang, refusal) : null,
          },
        });
      }),
    ),
    route(
      'post',
      '/api/outcomes/:outcomeId/correction',
      CORRECTORS,
      'json',
      asyncHandler(async (req, res) => {
        const { outcomeId } = parseInput(outcomeIdParam, req.params);
        await outcomeFor(db, user(req), outcomeId);
        const r = await outcomes.correctOutcome(user(req), outcomeId, req.body ?? {});
        res.status(r.repeated ? 200 : 201).json({ data: { outcomeId: r.outcome.id, repeated: r.repeated } });
      }),
    ),
  ];
}
