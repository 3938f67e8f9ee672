// Twilio's webhooks: signature check, parameters read into plain reports, handed to whoever keeps the attempts.
import express, { type Request, type RequestHandler } from 'express';
import { route, type RouteDef } from '../../shared/http.js';
import { z } from 'zod';
import {
  ivrChoiceFromDigits,
  twilioCallStatuses,
  type IvrChoice,
  type TwilioCallStatus,
} from './call-status.js';
import { consentTwiml, ivrAnswerTwiml, type Speak, type VoiceSettings } from './twiml.js';
import { verifyTwilioSignature } from './verify-signature.js';
import { webhookPaths } from './webhook-paths.js';

export interface CallLegReport {
  attemptId: string;
  leg: 'caller' | 'complainant';
  callSid: string;
  /** Set on the complainant's leg of a bridge: the caller's call it was dialled from. */
  parentCallSid: string | null;
  status: TwilioCallStatus;
  /** Seconds, on the final callback. */
  durationSeconds: number | null;
  sipResponseCode: number | null;
  /** Twilio's per-call order of callbacks; they can arrive out of order or twice. */
  sequenceNumber: number | null;
}

export interface RecordingReport {
  attemptId: string;
  callSid: string;
  recordingSid: string;
  /** Twilio's address for the recording; needs the account's credentials to play. */
  recordingUrl: string;
  durationSeconds: number;
  status: string;
}

export interface IvrAnswerReport {
  attemptId: string;
  callSid: string;
  digits: string;
  choice: IvrChoice | null;
  round: number;
}

/**
 * What the attempts' keeper does with each webhook. Twilio retries, so each must be idempotent
 * (see isLaterStatus for status callbacks; a recording or an answer arrives with the same SID again).
 */
export interface TelephonyWebhookHandlers {
  callLegStatus(report: CallLegReport): Promise<void>;
  recordingReady(report: RecordingReport): Promise<void>;
  ivrAnswered(report: IvrAnswerReport): Promise<void>;
}

export interface TelephonyWebhookOptions {
  authToken: string;
  publicBaseUrl: string;
  voice: VoiceSettings;
  speak: Speak;
  handlers: TelephonyWebhookHandlers;
  onRefused?: (refusal: { url: string; reason: 'unsigned' | 'forged' }) => void;
  /** A failure while storing a keypad answer; the complainant still hears the thanks. */
  onError?: (error: unknown) => void;
}

const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-f]{32}$`));
const optionalInt = z.coerce.number().int().min(0).optional();

const callStatusForm = z.object({
  CallSid: sid('CA'),
  ParentCallSid: sid('CA').optional(),
  CallStatus: z.enum(twilioCallStatuses),
  CallDuration: optionalInt,
  SipResponseCode: optionalInt,
  SequenceNumber: optionalInt,
});

const recordingForm = z.object({
  CallSid: sid('CA'),
  RecordingSid: sid('RE'),
  RecordingUrl: z.string().url(),
  RecordingDuration: z.coerce.number().int().min(0),
  RecordingStatus: z.string(),
});

const ivrAnswerForm = z.object({ CallSid: sid('CA'), Digits: z.string().max(20).default('') });

/**
 * Each webhook's path with its handlers, the signature check first. Status and recording callbacks
 * answer 204; the TwiML routes answer text/xml.
 */
function signedWebhooks(
  options: TelephonyWebhookOptions,
): Array<{ path: string; handlers: RequestHandler[] }> {
  const { handlers, voice, speak } = options;
  const signed = verifyTwilioSignature(options);

  const legStatus =
    (leg: CallLegReport['leg']): RequestHandler =>
    async (req, res) => {
      const form = callStatusForm.safeParse(req.body);
      if (!form.success) return void res.sendStatus(400);
      await handlers.callLegStatus({
        attemptId: attemptIdOf(req),
        leg,
        callSid: form.data.CallSid,
        parentCallSid: form.data.ParentCallSid ?? null,
        status: form.data.CallStatus,
        durationSeconds: form.data.CallDuration ?? null,
        sipResponseCode: form.data.SipResponseCode ?? null,
        sequenceNumber: form.data.SequenceNumber ?? null,
      });
      res.sendStatus(204);
    };

  const recording: RequestHandler = async (req, res) => {
    const form = recordingForm.safeParse(req.body);
    if (!form.success) return void res.sendStatus(400);
    await handlers.recordingReady({
      attemptId: attemptIdOf(req),
      callSid: form.data.CallSid,
      recordingSid: form.data.RecordingSid,
      recordingUrl: form.data.RecordingUrl,
      durationSeconds: form.data.RecordingDuration,
      status: form.data.RecordingStatus,
    });
    res.sendStatus(204);
  };

  const ivrAnswer: RequestHandler = async (req, res) => {
    const form = ivrAnswerForm.safeParse(req.body);
    if (!form.success) return void res.sendStatus(400);
    const round = req.query.round === '2' ? 2 : 1;
    const attemptId = attemptIdOf(req);
    const reply = ivrAnswerTwiml({
      attemptId,
      digits: form.data.Digits,
      round,
      publicBaseUrl: options.publicBaseUrl,
      voice,
      speak,
    });
    const choice = ivrChoiceFromDigits(form.data.Digits);
    if (choice || round === 2) {
      try {
        await handlers.ivrAnswered({
          attemptId,
          callSid: form.data.CallSid,
          digits: form.data.Digits,
          choice,
          round,
        });
      } catch (error) {
        // The call ends without an answer on record; the final status callback then hands it to a person.
        options.onError?.(error);
      }
    }
    res.type('text/xml').send(reply.twiml);
  };

  const consent: RequestHandler = (_req, res) => {
    res.type('text/xml').send(consentTwiml({ voice, speak }));
  };

  return [
    // ---- Call progress
    { path: webhookPaths.callerStatus, handlers: [signed, legStatus('caller')] },
    { path: webhookPaths.complainantStatus, handlers: [signed, legStatus('complainant')] },
    { path: webhookPaths.recording, handlers: [signed, recording] },
    // ---- TwiML
    { path: webhookPaths.ivrAnswer, handlers: [signed, ivrAnswer] },
    { path: webhookPaths.consent, handlers: [signed, consent] },
  ];
}

/** The webhooks as a standalone router (mounted before any session or CSRF middleware). */
export function telephonyWebhookRouter(options: TelephonyWebhookOptions): express.Router {
  const router = express.Router();
  for (const webhook of signedWebhooks(options)) router.post(webhook.path, ...webhook.handlers);
  return router;
}

/**
 * The webhooks as rows of the app's route table: public, and exempt from CSRF because Twilio carries
 * no cookie or token, only its signature, which every handler list checks first.
 */
export function telephonyWebhookRoutes(options: TelephonyWebhookOptions): RouteDef[] {
  return signedWebhooks(options).map((webhook) =>
    route('post', webhook.path, 'public', 'json', webhook.handlers, { skipCsrf: true }),
  );
}

function attemptIdOf(req: Request): string {
  return String(req.params.attemptId);
}
