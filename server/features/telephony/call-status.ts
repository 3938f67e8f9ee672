// What Twilio's call statuses, SIP codes, keypad answers and API errors mean for an attempt.

export const twilioCallStatuses = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;
export type TwilioCallStatus = (typeof twilioCallStatuses)[number];

/** The attempt's call state as callers and the board see it. */
export type CallState =
  | 'ringing_caller' // bridge: Twilio is ringing the caller's own phone
  | 'caller_unreachable' // bridge: the caller's phone did not answer; the complainant was never dialled
  | 'dialling'
  | 'ringing'
  | 'connected'
  | 'ended'
  | 'not_connected';

export const terminalCallStates: readonly CallState[] = ['caller_unreachable', 'ended', 'not_connected'];

/**
 * The contact dispositions telephony can tell on its own, with their AAPOR final disposition codes
 * (Standard Definitions, telephone surveys). The calls feature owns the full list; these names match it.
 */
export const prefilledDispositions = {
  busy: { code: 'busy', aapor: '3.12' },
  no_answer: { code: 'no_answer', aapor: '3.13' },
  not_reachable: { code: 'not_reachable', aapor: '3.16' }, // switched off / out of coverage
  not_in_service: { code: 'not_in_service', aapor: '4.30' }, // non-working or disconnected number
} as const;
export type PrefilledDisposition = (typeof prefilledDispositions)[keyof typeof prefilledDispositions];

export function isTwilioCallStatus(value: unknown): value is TwilioCallStatus {
  return typeof value === 'string' && (twilioCallStatuses as readonly string[]).includes(value);
}

// Twilio retries webhooks and does not promise their order, so a late 'ringing' must not undo 'completed'.
const statusRank: Record<TwilioCallStatus, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
};

/** Whether a leg's newly reported status should replace the one already stored. */
export function isLaterStatus(current: TwilioCallStatus | null | undefined, next: TwilioCallStatus): boolean {
  if (!current) return true;
  return statusRank[next] > statusRank[current];
}

export function isFinalStatus(status: TwilioCallStatus): boolean {
  return statusRank[status] === 4;
}

/**
 * The attempt's state from the latest status of each leg. A bridge has two legs: Twilio first rings the
 * caller's phone, then dials the complainant. An IVR call has only the complainant's leg. Keeping both
 * leg statuses and deriving the state makes out-of-order callbacks harmless.
 */
export function attemptCallState(legs: {
  callerLeg?: TwilioCallStatus | null;
  complainantLeg?: TwilioCallStatus | null;
}): CallState {
  const { callerLeg, complainantLeg } = legs;
  if (complainantLeg) return complainantLegState(complainantLeg);
  switch (callerLeg) {
    case undefined:
    case null:
    case 'queued':
    case 'initiated':
    case 'ringing':
      return 'ringing_caller';
    case 'in-progress':
      return 'dialling';
    case 'completed':
      return 'ended'; // the caller hung up before the complainant's phone was dialled
    default:
      return 'caller_unreachable';
  }
}

function complainantLegState(status: TwilioCallStatus): CallState {
  switch (status) {
    case 'queued':
    case 'initiated':
      return 'dialling';
    case 'ringing':
      return 'ringing';
    case 'in-progress':
      return 'connected';
    case 'completed':
      return 'ended';
    default:
      return 'not_connected';
  }
}

export function isTerminalState(state: CallState): boolean {
  return terminalCallStates.includes(state);
}

// SIP answers that mean the number itself does not work, rather than the phone being off or out of range.
const numberNotInServiceSipCodes = new Set([404, 410, 484, 604]);

/**
 * The disposition to pre-fill from how the complainant's leg ended, so the queue's retry rules apply
 * without the caller typing anything. Null when a person (or the IVR answer) must decide.
 */
export function prefilledDisposition(
  complainantLeg: TwilioCallStatus,
  sipResponseCode?: number | null,
): PrefilledDisposition | null {
  switch (complainantLeg) {
    case 'busy':
      return prefilledDispositions.busy;
    case 'no-answer':
      return prefilledDispositions.no_answer;
    case 'failed':
      return sipResponseCode && numberNotInServiceSipCodes.has(sipResponseCode)
        ? prefilledDispositions.not_in_service
        : prefilledDispositions.not_reachable;
    default:
      // completed: a conversation happened; canceled: the caller gave up before an answer, their call.
      return null;
  }
}

/** Message key shown to the caller when a bridge stops at their own phone. */
export const callerUnreachableKey = 'telephony.error.callerDidNotAnswer';

export type IvrChoice = 'satisfied' | 'unsatisfied' | 'wants_person';

const ivrChoices: Record<string, IvrChoice> = { '1': 'satisfied', '2': 'unsatisfied', '3': 'wants_person' };

/** The keypad answer on the IVR: 1 satisfied, 2 unsatisfied, 3 talk to a person; anything else is no answer. */
export function ivrChoiceFromDigits(digits: unknown): IvrChoice | null {
  if (typeof digits !== 'string') return null;
  return ivrChoices[digits.trim()] ?? null;
}

/**
 * What an IVR answer becomes, in the same terms a human caller records. Pressing 3, or answering the
 * phone but pressing nothing, hands the complainant to a person instead of burning another IVR attempt.
 */
export function ivrOutcome(choice: IvrChoice | null): {
  disposition: 'complete' | 'callback_requested' | 'other';
  verdict: 'satisfied' | 'unsatisfied' | null;
  needsHumanCall: boolean;
} {
  switch (choice) {
    case 'satisfied':
      return { disposition: 'complete', verdict: 'satisfied', needsHumanCall: false };
    case 'unsatisfied':
      return { disposition: 'complete', verdict: 'unsatisfied', needsHumanCall: false };
    case 'wants_person':
      return { disposition: 'callback_requested', verdict: null, needsHumanCall: true };
    default:
      return { disposition: 'other', verdict: null, needsHumanCall: true };
  }
}

/** Which party the API call's 'To' number belongs to: the caller's phone for a bridge, the complainant's for IVR. */
export type DialledParty = 'caller' | 'complainant';

export interface TelephonyFailure {
  messageKey: string;
  params: Record<string, string | number>;
  twilioCode: number | null;
  /** Worth pressing Call again in a moment (rate limit, network). */
  retryable: boolean;
}

/**
 * A Twilio API error (RestException or a network failure) as a translated reason for the caller.
 * Twilio's error codes: https://www.twilio.com/docs/api/errors
 */
export function failureFromTwilioError(error: unknown, party: DialledParty): TelephonyFailure {
  const { code, status } = errorFields(error);
  const fail = (messageKey: string, retryable = false, params: Record<string, string | number> = {}) => ({
    messageKey,
    params,
    twilioCode: code,
    retryable,
  });
  switch (code) {
    case 20003:
      return fail('telephony.error.badCredentials');
    case 20429:
      return fail('telephony.error.rateLimited', true);
    case 21210:
    case 21212:
      return fail('telephony.error.unverifiedCallerId');
    case 21211:
    case 21217:
      return fail(
        party === 'caller' ? 'telephony.error.callerPhoneInvalid' : 'telephony.error.complainantPhoneInvalid',
      );
    case 21214:
      return fail(
        party === 'caller'
          ? 'telephony.error.callerPhoneUnreachable'
          : 'telephony.error.complainantPhoneUnreachable',
      );
    case 21215:
    case 21216:
      return fail('telephony.error.callsNotPermitted');
  }
  if (status === 401) return fail('telephony.error.badCredentials');
  if (status === 429) return fail('telephony.error.rateLimited', true);
  if (code === null && (status === null || status >= 500)) return fail('telephony.error.unavailable', true);
  return fail('telephony.error.rejected', false, { code: code ?? status ?? 0 });
}

function errorFields(error: unknown): { code: number | null; status: number | null } {
  if (typeof error !== 'object' || error === null) return { code: null, status: null };
  const { code, status } = error as { code?: unknown; status?: unknown };
  return {
    code: typeof code === 'number' ? code : null,
    status: typeof status === 'number' ? status : null,
  };
}
