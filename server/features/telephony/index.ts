// The telephony feature: Twilio's signed webhooks, the console's Call button, IVR runs and recording playback.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import type { AppError } from '../../shared/errors.js';
import {
  asyncHandler,
  parseInput,
  route,
  withFormErrors,
  type Feature,
  type Role,
} from '../../shared/http.js';
import { t, type Lang } from '../../shared/i18n.js';
import { getSetting } from '../../shared/settings.js';
import { nowDb } from '../../shared/dates.js';
import { createTelephony, type Telephony } from './telephony.js';
import { TelephonyService, type AttemptView } from './telephony.service.js';
import { SPEECH_SETTING, SpeechTexts, speechOverridesInput } from './speech-texts.js';
import { speechKeys, type Speak, type VoiceSettings } from './twiml.js';
import { telephonyWebhookRoutes } from './webhook.routes.js';

export { dialControl, telephonyMode } from './dial-control.js';

/** The retention job's interval: recordings past their period go within a few hours. */
const RETENTION_SWEEP_MS = 6 * 60 * 60 * 1000;

const callers: Role[] = ['caller', 'session_officer', 'supervisor', 'admin'];
const supervisors: Role[] = ['supervisor', 'admin'];

const idParam = z.coerce.number().int().positive();
const ivrRun = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export function telephonyVoice(deps: Pick<AppDeps, 'config'>): VoiceSettings {
  return { voice: deps.config.telephony.voice, language: deps.config.telephony.language };
}

/** The adapter from config: manual dialling unless the Twilio account, caller ID and public address are set. */
export function telephonyFromConfig(deps: Pick<AppDeps, 'config'>, speak: Speak): Telephony {
  const { config } = deps;
  return createTelephony({
    twilio: config.twilio,
    publicBaseUrl: config.publicBaseUrl,
    apiBaseUrl: config.telephony.apiBaseUrl,
    voice: telephonyVoice(deps),
    speak,
  });
}

export function createTelephonyService(
  deps: AppDeps,
  speech = new SpeechTexts(deps.db, deps.config.telephony.language),
): TelephonyService {
  return new TelephonyService({
    db: deps.db,
    clock: deps.clock,
    events: deps.events,
    audit: deps.audit,
    logger: deps.logger,
    telephony: telephonyFromConfig(deps, speech.speak),
    speech,
    recordingRetentionDays: deps.config.telephony.recordingRetentionDays,
  });
}

export function createTelephonyFeature(deps: AppDeps): Feature {
  const speech = new SpeechTexts(deps.db, deps.config.telephony.language);
  const service = createTelephonyService(deps, speech);
  const { config } = deps;

  const webhooks =
    config.twilio && config.publicBaseUrl
      ? telephonyWebhookRoutes({
          authToken: config.twilio.authToken,
          publicBaseUrl: config.publicBaseUrl,
          voice: telephonyVoice(deps),
          speak: speech.speak,
          handlers: service,
          onRefused: (refusal) => deps.logger.warn(refusal, 'Twilio webhook refused'),
          onError: (error) => deps.logger.error({ err: error }, 'keypad answer not stored'),
        })
      : [];

  const viewFor = (attempt: AttemptView, lang: Lang) => ({
    ...attempt,
    stateLabel: attempt.state ? t(lang, `telephony.state.${attempt.state}`) : null,
    errorMessage: attempt.error ? t(lang, attempt.error.key, attempt.error.params) : null,
  });

  /** The IVR page: what a run would call now and the form that starts it, or a run's result, or why it cannot run. */
  async function renderIvrPage(
    req: Request,
    res: Response,
    sessionId: number,
    after: { run?: { started: number; refused: number }; error?: AppError; limit?: unknown } = {},
  ) {
    const lang = req.lang;
    const plan = await service.ivrRunPlan(req.user!, sessionId);
    const unavailable =
      service.mode !== 'twilio'
        ? t(lang, 'telephony.ivr.page.manualMode')
        : plan.callingNow
          ? null
          : t(lang, 'telephony.error.outsideCallingHours');
    const { error } = after;
    const field = String(error?.params.field ?? '');
    res.status(error ? error.status : 200).render('telephony/ivr', {
      title: t(lang, 'telephony.ivr.page.title'),
      session: plan.session,
      waiting: plan.waiting,
      result: after.run ? t(lang, 'telephony.ivr.startedSummary', after.run) : null,
      error: !error
        ? null
        : error.key === 'error.invalidInput' && field === 'limit'
          ? t(lang, 'telephony.ivr.page.limitInvalid')
          : error.key === 'telephony.error.manualMode'
            ? t(lang, 'telephony.ivr.page.manualMode')
            : t(lang, error.key, error.params),
      unavailable: error ? null : unavailable,
      showForm: !unavailable && plan.waiting > 0,
      limit:
        after.limit !== undefined ? String(after.limit as string) : String(Math.min(plan.waiting || 1, 50)),
    });
  }

  let sweep: NodeJS.Timeout | undefined;
  if (service.mode === 'twilio' && config.env !== 'test') {
    sweep = setInterval(() => {
      service
        .deleteExpiredRecordings()
        .catch((error: unknown) => deps.logger.error({ err: error }, 'recording retention sweep failed'));
    }, RETENTION_SWEEP_MS);
    sweep.unref();
  }

  return {
    name: 'telephony',
    routes: [
      // ---- Twilio's webhooks (signed, no session or CSRF)
      ...webhooks,
      // ---- The console's Call button
      route(
        'post',
        '/api/telephony/tasks/:taskId/call',
        callers,
        'json',
        asyncHandler(async (req, res) => {
          const attempt = await service.startBridgeCall(req.user!, parseInput(idParam, req.params.taskId));
          res.status(201).json({ data: viewFor(attempt, req.lang) });
        }),
      ),
      route(
        'get',
        '/api/telephony/attempts/:attemptId',
        'signed-in',
        'json',
        asyncHandler(async (req, res) => {
          const attempt = await service.attemptView(req.user!, parseInput(idParam, req.params.attemptId));
          res.json({ data: viewFor(attempt, req.lang) });
        }),
      ),
      // ---- Supervisors: IVR runs and recordings
      route(
        'post',
        '/api/telephony/sessions/:sessionId/ivr',
        supervisors,
        'json',
        asyncHandler(async (req, res) => {
          const { limit } = parseInput(ivrRun, req.body ?? {});
          const run = await service.startIvrCalls(
            req.user!,
            parseInput(idParam, req.params.sessionId),
            limit,
          );
          res.json({ data: { ...run, message: t(req.lang, 'telephony.ivr.startedSummary', run) } });
        }),
      ),
      // The session page's button: a page that says what a run would do and asks to confirm, then the result.
      route(
        'get',
        '/sessions/:id/ivr',
        supervisors,
        'page',
        asyncHandler(async (req, res) => {
          await renderIvrPage(req, res, parseInput(idParam, req.params.id));
        }),
      ),
      route(
        'post',
        '/sessions/:id/ivr',
        supervisors,
        'page',
        asyncHandler(async (req, res) => {
          const sessionId = parseInput(idParam, req.params.id);
          // A session outside the user's districts is refused before anything is read from the form.
          await service.ivrRunPlan(req.user!, sessionId);
          const body = (req.body ?? {}) as Record<string, unknown>;
          await withFormErrors(
            async () => {
              const { limit } = parseInput(ivrRun, body);
              const run = await service.startIvrCalls(req.user!, sessionId, limit);
              await renderIvrPage(req, res, sessionId, { run });
            },
            (error) => renderIvrPage(req, res, sessionId, { error, limit: body.limit }),
          );
        }),
      ),
      route(
        'get',
        '/telephony/attempts/:attemptId/audio',
        supervisors,
        'file',
        asyncHandler(async (req, res) => {
          const audio = await service.recordingAudio(req.user!, parseInput(idParam, req.params.attemptId));
          res.set('Cache-Control', 'private, no-store');
          res.type(audio.contentType).send(audio.body);
        }),
      ),
      // ---- The words Twilio speaks (catalogue texts an office may replace)
      route(
        'get',
        '/api/telephony/speech',
        ['admin'],
        'json',
        asyncHandler(async (_req, res) => {
          const overrides = await getSetting<Record<string, string>>(deps.db, SPEECH_SETTING, {});
          const texts = speechKeys.map((key) => ({
            key,
            catalogue: t(speech.lang, key),
            override: overrides[key] ?? null,
          }));
          res.json({ data: { language: speech.lang, texts } });
        }),
      ),
      route(
        'put',
        '/api/telephony/speech',
        ['admin'],
        'json',
        asyncHandler(async (req, res) => {
          const texts = parseInput(speechOverridesInput, req.body?.texts);
          await deps.db.transaction(async (trx) => {
            const before = await getSetting<Record<string, string>>(trx, SPEECH_SETTING, {});
            await trx('settings')
              .insert({ key: SPEECH_SETTING, value: JSON.stringify(texts), updated_at: nowDb(deps.clock) })
              .onConflict('key')
              .merge(['value', 'updated_at']);
            await deps.audit.record(trx, {
              userId: req.user!.id,
              action: 'telephony.speech.changed',
              entity: 'setting',
              entityId: SPEECH_SETTING,
              before,
              after: texts,
            });
          });
          await speech.refresh();
          res.json({ data: { texts } });
        }),
      ),
    ],
    async close() {
      if (sweep) clearInterval(sweep);
    },
  };
}
