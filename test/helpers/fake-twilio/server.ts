// A local stand-in for Twilio: its REST API for the real SDK, and its side of a call (signed webhooks, TwiML, keypad).
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import twilio from 'twilio';
import type { Config } from '../../../server/config.js';
import { findElements, readTwiml } from './twiml-reader.js';

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** Numbers the account owns or has verified; a call from any other number fails with 21210. */
  callerIds?: string[];
  /** Valid numbers Twilio cannot reach (21214). */
  unreachableNumbers?: string[];
  /** Numbers the account's voice geographic permissions do not allow (21215). */
  blockedNumbers?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** The form body, repeated keys as arrays (StatusCallbackEvent). */
  params: Record<string, string | string[]>;
  authorized: boolean;
  responseStatus: number;
}

export type CallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

export interface FakeCall {
  sid: string;
  parentCallSid: string | null;
  to: string;
  from: string;
  status: CallStatus;
  direction: 'outbound-api' | 'outbound-dial';
  url: string | null;
  method: string;
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: string;
  statusCallbackEvents: string[];
  record: boolean;
  machineDetection: string | null;
  timeout: number;
  dateCreated: Date;
  dateUpdated: Date;
  startTime: Date | null;
  endTime: Date | null;
  duration: number | null;
  /** The TwiML the call is running now (its first document, or the last one an action returned). */
  currentTwiml: string | null;
  sequenceNumber: number;
}

export interface FakeRecording {
  sid: string;
  callSid: string;
  duration: number;
  status: 'completed' | 'deleted';
  dateCreated: Date;
}

/** A request the fake made to the app, as Twilio would. */
export interface DeliveredWebhook {
  url: string;
  method: string;
  params: Record<string, string>;
  signature: string | null;
  status: number;
  body: string;
}

export interface DeliveryOptions {
  method?: string;
  /** Override the signature: null sends none (unsigned), a string sends that (forged). */
  signature?: string | null;
  /** Deliver to this origin instead of the URL's own, as a proxy in front of the app would; the signature still covers the public URL. */
  deliverTo?: string;
  /** With deliverTo: the path prefix the proxy strips before passing the request on. */
  stripPathPrefix?: string;
}

export interface ProgressOptions {
  /** Seconds the call lasted, reported when it ends. */
  duration?: number;
  sipResponseCode?: number;
  answeredBy?: string;
}

export interface DialOptions extends ProgressOptions {
  /** Seconds of recording; defaults to the conversation's duration. */
  recordingDuration?: number;
}

export interface DialResult {
  childSid: string;
  /** What the <Number url> announcement returned, when the dialled party answered. */
  consentTwiml: string | null;
  recordingSid: string | null;
  webhooks: DeliveredWebhook[];
}

const apiVersion = '2010-04-01';
const finalStatuses: CallStatus[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
const e164 = /^\+[1-9]\d{7,14}$/;
const defaultSipCodes: Partial<Record<CallStatus, number>> = {
  completed: 200,
  busy: 486,
  'no-answer': 487,
  canceled: 487,
  failed: 503,
};

export function fakeSid(prefix: 'CA' | 'RE' | 'PN' | 'AC'): string {
  return prefix + randomBytes(16).toString('hex');
}

class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export class FakeTwilio {
  readonly accountSid: string;
  readonly authToken: string;
  readonly requests: RecordedRequest[] = [];
  readonly calls = new Map<string, FakeCall>();
  readonly recordings = new Map<string, FakeRecording>();
  readonly webhooks: DeliveredWebhook[] = [];
  private readonly callerIds: Set<string>;
  private readonly unreachable: Set<string>;
  private readonly blocked: Set<string>;
  private readonly phoneNumberSid = fakeSid('PN');
  private rateLimited = 0;
  private server: http.Server | null = null;
  baseUrl = '';

  private constructor(options: FakeTwilioOptions) {
    this.accountSid = options.accountSid ?? fakeSid('AC');
    this.authToken = options.authToken ?? randomBytes(16).toString('hex');
    this.callerIds = new Set(options.callerIds ?? ['+915122300001']);
    this.unreachable = new Set(options.unreachableNumbers ?? []);
    this.blocked = new Set(options.blockedNumbers ?? []);
  }

  /** Starts on 127.0.0.1 on a free port. */
  static async start(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
    const fake = new FakeTwilio(options);
    const server = http.createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The desk's settings for Twilio mode against this fake, with the desk served on 127.0.0.1:`port`. */
  deskConfig(port: number, callerId: string): Partial<Config> {
    return {
      publicBaseUrl: `http://127.0.0.1:${port}`,
      twilio: { accountSid: this.accountSid, authToken: this.authToken, callerId },
      telephony: {
        apiBaseUrl: this.baseUrl,
        voice: 'Polly.Aditi',
        language: 'hi-IN',
        recordingRetentionDays: 30,
      },
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `count` authorised API requests answer 429 (20429). */
  rateLimitNext(count = 1): void {
    this.rateLimited = count;
  }

  /** Calls created through the API, oldest first (dialled child legs are not included). */
  createdCalls(): FakeCall[] {
    return [...this.calls.values()].filter((call) => call.direction === 'outbound-api');
  }

  call(sid: string): FakeCall {
    const call = this.calls.get(sid);
    if (!call) throw new Error(`fake Twilio: no call ${sid}`);
    return call;
  }

  // ---- Playing Twilio's side of a call -------------------------------------------------------

  /**
   * Moves a call through statuses, posting each subscribed status callback (signed) in order and
   * waiting for the app's answer, as Twilio does. 'completed' and the other final statuses are always sent.
   */
  async progressCall(
    sid: string,
    statuses: CallStatus[],
    options: ProgressOptions = {},
  ): Promise<DeliveredWebhook[]> {
    return this.progress(this.call(sid), statuses, options);
  }

  /** The TwiML the call runs on answer: its inline Twiml, or what its Url returns (requested and signed as Twilio does). */
  async twimlFor(sid: string): Promise<string> {
    const call = this.call(sid);
    if (call.twiml !== null) {
      call.currentTwiml = call.twiml;
      return call.twiml;
    }
    if (!call.url) throw new Error(`fake Twilio: call ${sid} has neither Twiml nor Url`);
    const delivered = await this.deliver(call.url, this.callParams(call, { CallStatus: 'in-progress' }), {
      method: call.method,
    });
    call.currentTwiml = delivered.body;
    return delivered.body;
  }

  /**
   * Runs the <Dial> in the call's current TwiML: creates the dialled leg, posts its <Number> status
   * callbacks, asks its <Number url> when it answers, then the recording callback and the Dial action.
   */
  async dial(parentSid: string, statuses: CallStatus[], options: DialOptions = {}): Promise<DialResult> {
    const parent = this.call(parentSid);
    const document = readTwiml(parent.currentTwiml ?? (await this.twimlFor(parentSid)));
    const dialVerb = findElements(document, 'Dial')[0];
    if (!dialVerb) throw new Error('fake Twilio: the call has no <Dial>');
    const numberNoun = findElements(dialVerb, 'Number')[0];
    const to = (numberNoun?.text ?? dialVerb.text).trim();
    const now = new Date();
    const child: FakeCall = {
      ...blankCall(),
      sid: fakeSid('CA'),
      parentCallSid: parent.sid,
      to,
      from: dialVerb.attributes.callerId ?? parent.from,
      direction: 'outbound-dial',
      statusCallback: numberNoun?.attributes.statusCallback ?? null,
      statusCallbackMethod: numberNoun?.attributes.statusCallbackMethod ?? 'POST',
      statusCallbackEvents: (numberNoun?.attributes.statusCallbackEvent ?? '').split(/\s+/).filter(Boolean),
      dateCreated: now,
      dateUpdated: now,
    };
    this.calls.set(child.sid, child);
    const result: DialResult = { childSid: child.sid, consentTwiml: null, recordingSid: null, webhooks: [] };

    for (const status of statuses) {
      result.webhooks.push(...(await this.progress(child, [status], options)));
      const announcement = numberNoun?.attributes.url;
      if (status === 'in-progress' && announcement) {
        const delivered = await this.deliver(announcement, this.callParams(child), {
          method: numberNoun.attributes.method ?? 'POST',
        });
        result.webhooks.push(delivered);
        result.consentTwiml = delivered.body;
      }
    }

    const final = child.status;
    const recordingCallback = dialVerb.attributes.recordingStatusCallback;
    const recorded = (dialVerb.attributes.record ?? 'do-not-record') !== 'do-not-record';
    if (final === 'completed' && recorded) {
      const recording: FakeRecording = {
        sid: fakeSid('RE'),
        callSid: parent.sid,
        duration: options.recordingDuration ?? options.duration ?? 0,
        status: 'completed',
        dateCreated: new Date(),
      };
      this.recordings.set(recording.sid, recording);
      result.recordingSid = recording.sid;
      if (recordingCallback) {
        result.webhooks.push(
          await this.deliver(recordingCallback, this.recordingParams(recording), {
            method: dialVerb.attributes.recordingStatusCallbackMethod ?? 'POST',
          }),
        );
      }
    }

    const action = dialVerb.attributes.action;
    if (action) {
      const delivered = await this.deliver(
        action,
        this.callParams(parent, {
          DialCallSid: child.sid,
          DialCallStatus: final,
          DialCallDuration: String(child.duration ?? 0),
          DialBridged: String(final === 'completed'),
        }),
        { method: dialVerb.attributes.method ?? 'POST' },
      );
      parent.currentTwiml = delivered.body;
      result.webhooks.push(delivered);
    }
    return result;
  }

  /**
   * Presses keys on a <Gather> in the call's current TwiML (the first by default; index 1 is the repeat
   * after a silent first round) and follows to the TwiML its action returns.
   */
  async pressKeys(sid: string, digits: string, options: { gather?: number } = {}): Promise<string> {
    const call = this.call(sid);
    const document = readTwiml(call.currentTwiml ?? (await this.twimlFor(sid)));
    const gather = findElements(document, 'Gather')[options.gather ?? 0];
    if (!gather) throw new Error('fake Twilio: no <Gather> to press keys on');
    const action = gather.attributes.action;
    if (!action)
      throw new Error('fake Twilio: <Gather> has no action (Twilio would post to the document URL)');
    const numDigits = Number(gather.attributes.numDigits ?? Infinity);
    const delivered = await this.deliver(
      action,
      this.callParams(call, { Digits: digits.slice(0, numDigits), FinishedOnKey: '', msg: 'Gather End' }),
      { method: gather.attributes.method ?? 'POST' },
    );
    call.currentTwiml = delivered.body;
    return delivered.body;
  }

  /** Sends a request to the app as Twilio would: form-encoded and signed over the full URL and sorted params. */
  async deliver(
    url: string,
    params: Record<string, string>,
    options: DeliveryOptions = {},
  ): Promise<DeliveredWebhook> {
    const method = (options.method ?? 'POST').toUpperCase();
    const target = new URL(url);
    // A GET carries the parameters in its query, and the signature covers that full URL with no body.
    if (method === 'GET') {
      for (const [key, value] of Object.entries(params)) target.searchParams.append(key, value);
    }
    const signature =
      options.signature === undefined
        ? method === 'GET'
          ? twilio.getExpectedTwilioSignature(this.authToken, target.toString(), {})
          : twilio.getExpectedTwilioSignature(this.authToken, url, params)
        : options.signature;
    const deliveryUrl = options.deliverTo
      ? new URL(stripPrefix(target.pathname, options.stripPathPrefix) + target.search, options.deliverTo)
      : target;
    if (!isLocal(deliveryUrl))
      throw new Error(`fake Twilio: refusing to reach ${deliveryUrl.origin}; tests stay offline`);
    const headers: Record<string, string> = {
      'User-Agent': 'TwilioProxy/1.1',
      'I-Twilio-Idempotency-Token': randomUUID(),
    };
    if (signature !== null) headers['X-Twilio-Signature'] = signature;
    if (options.deliverTo) {
      headers['X-Forwarded-Proto'] = target.protocol.replace(':', '');
      headers['X-Forwarded-Host'] = target.host;
    }
    let body: string | undefined;
    if (method === 'POST') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
      body = new URLSearchParams(params).toString();
    }
    const response = await fetch(deliveryUrl, { method, headers, body, redirect: 'manual' });
    const delivered: DeliveredWebhook = {
      url,
      method,
      params,
      signature,
      status: response.status,
      body: await response.text(),
    };
    this.webhooks.push(delivered);
    return delivered;
  }

  private async progress(
    call: FakeCall,
    statuses: CallStatus[],
    options: ProgressOptions,
  ): Promise<DeliveredWebhook[]> {
    const delivered: DeliveredWebhook[] = [];
    for (const status of statuses) {
      const now = new Date();
      call.status = status;
      call.dateUpdated = now;
      if (status === 'in-progress') call.startTime = now;
      const final = finalStatuses.includes(status);
      if (final) {
        call.endTime = now;
        call.duration = status === 'completed' ? (options.duration ?? 0) : 0;
      }
      const event = eventFor(status);
      if (!call.statusCallback || !event) continue;
      if (!final && !call.statusCallbackEvents.includes(event)) continue;
      const extra: Record<string, string> = {
        CallbackSource: 'call-progress-events',
        SequenceNumber: String(call.sequenceNumber++),
        Timestamp: rfc2822(now),
      };
      if (final) {
        extra.CallDuration = String(call.duration ?? 0);
        extra.Duration = String(Math.ceil((call.duration ?? 0) / 60));
        extra.SipResponseCode = String(options.sipResponseCode ?? defaultSipCodes[status] ?? 200);
      }
      if (options.answeredBy && (status === 'in-progress' || final)) extra.AnsweredBy = options.answeredBy;
      delivered.push(
        await this.deliver(call.statusCallback, this.callParams(call, extra), {
          method: call.statusCallbackMethod,
        }),
      );
    }
    return delivered;
  }

  private callParams(call: FakeCall, extra: Record<string, string> = {}): Record<string, string> {
    return {
      AccountSid: this.accountSid,
      ApiVersion: apiVersion,
      CallSid: call.sid,
      CallStatus: call.status,
      Called: call.to,
      Caller: call.from,
      Direction: call.direction,
      From: call.from,
      To: call.to,
      ...(call.parentCallSid && { ParentCallSid: call.parentCallSid }),
      ...extra,
    };
  }

  private recordingParams(recording: FakeRecording): Record<string, string> {
    return {
      AccountSid: this.accountSid,
      CallSid: recording.callSid,
      RecordingSid: recording.sid,
      RecordingUrl: `https://api.twilio.com/${apiVersion}/Accounts/${this.accountSid}/Recordings/${recording.sid}`,
      RecordingStatus: 'completed',
      RecordingDuration: String(recording.duration),
      RecordingChannels: '2',
      RecordingStartTime: rfc2822(recording.dateCreated),
      RecordingSource: 'DialVerb',
      RecordingTrack: 'both',
      ErrorCode: '0',
    };
  }

  // ---- The REST API ----------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = parseForm(await readBody(req));
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: parseForm(url.search.slice(1)),
      params,
      authorized: this.isAuthorized(req, url.pathname),
      responseStatus: 0,
    };
    this.requests.push(record);
    try {
      if (!record.authorized) {
        throw new TwilioApiError(401, 20003, 'Authenticate', 'Your AccountSid or AuthToken was incorrect.');
      }
      if (this.rateLimited > 0) {
        this.rateLimited--;
        throw new TwilioApiError(429, 20429, 'Too Many Requests');
      }
      const { status, body, contentType } = this.route(record);
      record.responseStatus = status;
      res.writeHead(status, { 'Content-Type': contentType ?? 'application/json' });
      res.end(
        body === undefined
          ? undefined
          : typeof body === 'string' || Buffer.isBuffer(body)
            ? body
            : JSON.stringify(body),
      );
    } catch (error) {
      const failure =
        error instanceof TwilioApiError ? error : new TwilioApiError(500, 20500, 'Internal Server Error');
      record.responseStatus = failure.status;
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (failure.status === 401) headers['WWW-Authenticate'] = 'Basic realm="Twilio API"';
      res.writeHead(failure.status, headers);
      res.end(
        JSON.stringify({
          code: failure.code,
          message: failure.message,
          more_info: `https://www.twilio.com/docs/errors/${failure.code}`,
          status: failure.status,
          ...(failure.detail && { detail: failure.detail }),
        }),
      );
    }
  }

  private isAuthorized(req: http.IncomingMessage, path: string): boolean {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    const pathAccount = path.match(/^\/2010-04-01\/Accounts\/([^/.]+)/)?.[1];
    return user === this.accountSid && rest.join(':') === this.authToken && pathAccount === this.accountSid;
  }

  private route(request: RecordedRequest): { status: number; body?: unknown; contentType?: string } {
    const prefix = `/${apiVersion}/Accounts/${this.accountSid}`;
    const path = request.path.slice(prefix.length);
    const { method } = request;
    let match: RegExpMatchArray | null;
    if (method === 'POST' && path === '/Calls.json')
      return { status: 201, body: this.createCall(request.params) };
    if ((match = path.match(/^\/Calls\/(CA[0-9a-f]{32})\.json$/))) {
      const call = this.calls.get(match[1]);
      if (!call) throw notFound(request.path);
      if (method === 'GET') return { status: 200, body: this.callResource(call) };
      if (method === 'POST') return { status: 200, body: this.updateCall(call, request.params) };
    }
    if ((match = path.match(/^\/Recordings\/(RE[0-9a-f]{32})\.(json|mp3|wav)$/))) {
      const recording = this.recordings.get(match[1]);
      if (!recording || recording.status === 'deleted') throw notFound(request.path);
      if (method === 'GET' && match[2] === 'json')
        return { status: 200, body: this.recordingResource(recording) };
      if (method === 'GET')
        return {
          status: 200,
          body: fakeAudio(recording),
          contentType: `audio/${match[2] === 'mp3' ? 'mpeg' : 'x-wav'}`,
        };
      if (method === 'DELETE' && match[2] === 'json') {
        recording.status = 'deleted';
        return { status: 204 };
      }
    }
    throw notFound(request.path);
  }

  private createCall(params: Record<string, string | string[]>): Record<string, unknown> {
    const to = single(params.To);
    const from = single(params.From);
    if (!to) throw new TwilioApiError(400, 21201, "No 'To' number is specified");
    if (!from) throw new TwilioApiError(400, 21213, "No 'From' number is specified");
    if (!params.Url && !params.Twiml && !params.ApplicationSid) {
      throw new TwilioApiError(400, 21205, 'Url parameter is required.');
    }
    if (!e164.test(to)) throw new TwilioApiError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!this.callerIds.has(from)) {
      throw new TwilioApiError(
        400,
        21210,
        `The source phone number provided, ${from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`,
      );
    }
    if (this.blocked.has(to)) {
      throw new TwilioApiError(
        400,
        21215,
        `Account not authorized to call ${to}. Perhaps you need to enable some international permissions.`,
      );
    }
    if (this.unreachable.has(to)) throw new TwilioApiError(400, 21214, "'To' phone number cannot be reached");
    const now = new Date();
    const call: FakeCall = {
      ...blankCall(),
      sid: fakeSid('CA'),
      to,
      from,
      direction: 'outbound-api',
      url: single(params.Url) ?? null,
      method: single(params.Method) ?? 'POST',
      twiml: single(params.Twiml) ?? null,
      statusCallback: single(params.StatusCallback) ?? null,
      statusCallbackMethod: single(params.StatusCallbackMethod) ?? 'POST',
      statusCallbackEvents: ([] as string[]).concat(params.StatusCallbackEvent ?? []),
      record: single(params.Record) === 'true',
      machineDetection: single(params.MachineDetection) ?? null,
      timeout: Number(single(params.Timeout) ?? 60),
      dateCreated: now,
      dateUpdated: now,
    };
    this.calls.set(call.sid, call);
    return this.callResource(call);
  }

  private updateCall(call: FakeCall, params: Record<string, string | string[]>): Record<string, unknown> {
    if (finalStatuses.includes(call.status)) {
      throw new TwilioApiError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    }
    const status = single(params.Status);
    if (status === 'completed' || status === 'canceled') {
      const answered = call.status === 'in-progress';
      if (status === 'canceled' && answered) return this.callResource(call); // canceling only stops unanswered calls
      call.status = answered ? 'completed' : 'canceled';
      call.endTime = new Date();
      call.duration =
        answered && call.startTime
          ? Math.round((call.endTime.getTime() - call.startTime.getTime()) / 1000)
          : 0;
    }
    if (params.Twiml) call.currentTwiml = single(params.Twiml) ?? null;
    if (params.Url) call.url = single(params.Url) ?? null;
    call.dateUpdated = new Date();
    return this.callResource(call);
  }

  private callResource(call: FakeCall): Record<string, unknown> {
    const uri = `/${apiVersion}/Accounts/${this.accountSid}/Calls/${call.sid}`;
    return {
      account_sid: this.accountSid,
      annotation: null,
      answered_by: null,
      api_version: apiVersion,
      caller_name: null,
      date_created: rfc2822(call.dateCreated),
      date_updated: rfc2822(call.dateUpdated),
      direction: call.direction,
      duration: call.duration === null ? null : String(call.duration),
      end_time: call.endTime ? rfc2822(call.endTime) : null,
      forwarded_from: null,
      from: call.from,
      from_formatted: call.from,
      group_sid: null,
      parent_call_sid: call.parentCallSid,
      phone_number_sid: this.phoneNumberSid,
      price: null,
      price_unit: 'USD',
      queue_time: '0',
      sid: call.sid,
      start_time: call.startTime ? rfc2822(call.startTime) : null,
      status: call.status,
      subresource_uris: {
        notifications: `${uri}/Notifications.json`,
        recordings: `${uri}/Recordings.json`,
        payments: `${uri}/Payments.json`,
        events: `${uri}/Events.json`,
        siprec: `${uri}/Siprec.json`,
        streams: `${uri}/Streams.json`,
        transcriptions: `${uri}/Transcriptions.json`,
        user_defined_message_subscriptions: `${uri}/UserDefinedMessageSubscriptions.json`,
        user_defined_messages: `${uri}/UserDefinedMessages.json`,
      },
      to: call.to,
      to_formatted: call.to,
      trunk_sid: null,
      uri: `${uri}.json`,
    };
  }

  private recordingResource(recording: FakeRecording): Record<string, unknown> {
    const uri = `/${apiVersion}/Accounts/${this.accountSid}/Recordings/${recording.sid}`;
    return {
      account_sid: this.accountSid,
      api_version: apiVersion,
      call_sid: recording.callSid,
      conference_sid: null,
      channels: 2,
      date_created: rfc2822(recording.dateCreated),
      date_updated: rfc2822(recording.dateCreated),
      start_time: rfc2822(recording.dateCreated),
      duration: String(recording.duration),
      encryption_details: null,
      error_code: null,
      media_url: `https://api.twilio.com${uri}`,
      price: null,
      price_unit: 'USD',
      sid: recording.sid,
      source: 'DialVerb',
      status: recording.status,
      subresource_uris: { transcriptions: `${uri}/Transcriptions.json` },
      uri: `${uri}.json`,
    };
  }
}

function blankCall(): Omit<FakeCall, 'sid' | 'to' | 'from' | 'direction' | 'dateCreated' | 'dateUpdated'> {
  return {
    parentCallSid: null,
    status: 'queued',
    url: null,
    method: 'POST',
    twiml: null,
    statusCallback: null,
    statusCallbackMethod: 'POST',
    statusCallbackEvents: [],
    record: false,
    machineDetection: null,
    timeout: 60,
    startTime: null,
    endTime: null,
    duration: null,
    currentTwiml: null,
    sequenceNumber: 0,
  };
}

/** The status-callback event a status belongs to; Twilio names 'in-progress' 'answered' and reports every ending as 'completed'. */
function eventFor(status: CallStatus): string | null {
  if (status === 'queued') return null;
  if (status === 'in-progress') return 'answered';
  if (finalStatuses.includes(status)) return 'completed';
  return status;
}

function notFound(path: string): TwilioApiError {
  return new TwilioApiError(404, 20404, `The requested resource ${path} was not found`);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = out[key];
    out[key] = existing === undefined ? value : ([] as string[]).concat(existing, value);
  }
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Twilio's date format: RFC 2822 with a numeric zone. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function fakeAudio(recording: FakeRecording): Buffer {
  return Buffer.concat([Buffer.from('ID3'), Buffer.from(recording.sid)]);
}

function stripPrefix(path: string, prefix = ''): string {
  return prefix && path.startsWith(prefix) ? path.slice(prefix.length) || '/' : path;
}

function isLocal(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** A port free on the loopback now: the app's public address (which Twilio signs against) must be known before it listens. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
