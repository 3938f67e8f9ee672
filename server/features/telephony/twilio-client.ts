// Telephony over Twilio's REST API with the real SDK; a base-URL override points it at the fake server in tests.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { failureFromTwilioError, type DialledParty } from './call-status.js';
import type { BridgeCallRequest, IvrCallRequest, RecordingAudio, Telephony } from './telephony.js';
import { TelephonyError } from './telephony-error.js';
import { bridgeTwiml, ivrTwiml, type Speak, type VoiceSettings } from './twiml.js';
import { webhookUrl } from './webhook-paths.js';

type RequestClientOptions = RequestClient.RequestClientOptions;

/** Sends every request meant for *.twilio.com to another base URL, keeping path and query. */
export function redirectTwilioUrl(uri: string, apiBaseUrl: string): string {
  const target = new URL(uri);
  if (target.hostname !== 'twilio.com' && !target.hostname.endsWith('.twilio.com')) return uri;
  return apiBaseUrl.replace(/\/+$/, '') + target.pathname + target.search;
}

/**
 * The SDK has no base-URL option, but it accepts any httpClient with RequestClient's request();
 * this one rewrites the address and leaves auth, retries and error handling to the SDK's own client.
 */
export class RedirectingRequestClient extends twilio.RequestClient {
  readonly apiBaseUrl: string;
  constructor(apiBaseUrl: string, options?: RequestClientOptions) {
    super(options);
    this.apiBaseUrl = apiBaseUrl;
  }
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: redirectTwilioUrl(opts.uri, this.apiBaseUrl) });
  }
}

// Twilio's 429s are brief; two quick retries usually get the call placed before the caller notices.
const requestClientOptions: RequestClientOptions = {
  timeout: 15_000,
  autoRetry: true,
  maxRetries: 2,
  maxRetryDelay: 1_000,
};

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
  /** Where the REST calls go; unset means Twilio itself. */
  apiBaseUrl?: string;
}

export function createTwilioSdkClient({ accountSid, authToken, apiBaseUrl }: TwilioAccount): twilio.Twilio {
  const httpClient = apiBaseUrl
    ? new RedirectingRequestClient(apiBaseUrl, requestClientOptions)
    : new twilio.RequestClient(requestClientOptions);
  return twilio(accountSid, authToken, { httpClient });
}

export interface TwilioTelephonyOptions extends TwilioAccount {
  /** The office's number shown to both parties (bought from or verified with Twilio), E.164. */
  callerId: string;
  publicBaseUrl: string;
  voice: VoiceSettings;
  speak: Speak;
  dialTimeoutSeconds?: number;
}

const e164 = /^\+[1-9]\d{7,14}$/;
const callSidPattern = /^CA[0-9a-f]{32}$/;
const recordingSidPattern = /^RE[0-9a-f]{32}$/;
// Twilio answers these when the thing is already gone: hanging up or deleting again is not a failure.
const alreadyGone = new Set([20404, 21220]);

const statusEvents = ['initiated', 'ringing', 'answered', 'completed'];

export class TwilioTelephony implements Telephony {
  readonly mode = 'twilio' as const;
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioTelephonyOptions) {
    this.client = createTwilioSdkClient(options);
  }

  async startBridgeCall(request: BridgeCallRequest): Promise<{ callSid: string }> {
    if (!request.callerPhone) throw failure('telephony.error.noCallerPhone', 422);
    if (!e164.test(request.complainantPhone)) throw failure('telephony.error.complainantPhoneInvalid', 422);
    const { publicBaseUrl, callerId, voice, speak } = this.options;
    const twiml = bridgeTwiml({
      attemptId: request.attemptId,
      complainantPhone: request.complainantPhone,
      officeCallerId: callerId,
      record: request.record,
      publicBaseUrl,
      voice,
      speak,
      dialTimeoutSeconds: this.options.dialTimeoutSeconds,
    });
    return this.placeCall('caller', {
      to: request.callerPhone,
      from: callerId,
      twiml,
      statusCallback: webhookUrl(publicBaseUrl, 'callerStatus', { attemptId: request.attemptId }),
    });
  }

  async startIvrCall(request: IvrCallRequest): Promise<{ callSid: string }> {
    if (!e164.test(request.complainantPhone)) throw failure('telephony.error.complainantPhoneInvalid', 422);
    const { publicBaseUrl, callerId, voice, speak } = this.options;
    const twiml = ivrTwiml({
      attemptId: request.attemptId,
      referenceNumber: request.referenceNumber,
      departmentName: request.departmentName,
      publicBaseUrl,
      voice,
      speak,
    });
    return this.placeCall('complainant', {
      to: request.complainantPhone,
      from: callerId,
      twiml,
      statusCallback: webhookUrl(publicBaseUrl, 'complainantStatus', { attemptId: request.attemptId }),
    });
  }

  async hangup(callSid: string): Promise<void> {
    if (!callSidPattern.test(callSid)) return;
    try {
      await this.client.calls(callSid).update({ status: 'completed' });
    } catch (error) {
      if (!isAlreadyGone(error)) throw new TelephonyError(failureFromTwilioError(error, 'caller'));
    }
  }

  async deleteRecording(recordingSid: string): Promise<void> {
    if (!recordingSidPattern.test(recordingSid)) return;
    try {
      await this.client.recordings(recordingSid).remove();
    } catch (error) {
      if (!isAlreadyGone(error)) throw new TelephonyError(failureFromTwilioError(error, 'caller'));
    }
  }

  async fetchRecordingAudio(recordingSid: string): Promise<RecordingAudio> {
    if (!recordingSidPattern.test(recordingSid)) throw failure('telephony.error.recordingUnavailable', 404);
    const { accountSid, authToken, apiBaseUrl } = this.options;
    const twilioUrl = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}.mp3`;
    const url = apiBaseUrl ? redirectTwilioUrl(twilioUrl, apiBaseUrl) : twilioUrl;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` },
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      throw failure('telephony.error.unavailable', 503, true);
    }
    if (!response.ok) throw failure('telephony.error.recordingUnavailable', 404);
    return {
      contentType: response.headers.get('content-type') ?? 'audio/mpeg',
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  private async placeCall(
    party: DialledParty,
    call: { to: string; from: string; twiml: string; statusCallback: string },
  ): Promise<{ callSid: string }> {
    try {
      const created = await this.client.calls.create({
        ...call,
        statusCallbackEvent: statusEvents,
        statusCallbackMethod: 'POST',
        timeout: this.options.dialTimeoutSeconds ?? 30,
      });
      return { callSid: created.sid };
    } catch (error) {
      throw new TelephonyError(failureFromTwilioError(error, party));
    }
  }
}

function failure(messageKey: string, status: number, retryable = false): TelephonyError {
  return new TelephonyError({ messageKey, params: {}, twilioCode: null, retryable }, status);
}

function isAlreadyGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && alreadyGone.has(code);
}
