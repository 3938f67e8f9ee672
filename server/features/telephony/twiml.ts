// TwiML for the calls Twilio places for us: the masked bridge, the consent announcement and the keypad IVR.
import twilio from 'twilio';
import { ivrChoiceFromDigits, type IvrChoice } from './call-status.js';
import { webhookUrl } from './webhook-paths.js';

const { VoiceResponse } = twilio.twiml;
type SayAttributes = Parameters<InstanceType<typeof VoiceResponse>['say']>[0];

export const speechKeys = [
  'telephony.bridge.connecting',
  'telephony.bridge.recordingNotice',
  'telephony.consent.announcement',
  'telephony.ivr.prompt',
  'telephony.ivr.noInput',
  'telephony.ivr.choices',
  'telephony.ivr.invalidChoice',
  'telephony.ivr.thanksSatisfied',
  'telephony.ivr.thanksUnsatisfied',
  'telephony.ivr.callbackPromised',
  'telephony.ivr.goodbye',
] as const;
export type SpeechKey = (typeof speechKeys)[number];
export type SpeechParams = Record<string, string | number>;

/** Gives the words Twilio speaks for a key, in the voice's language. */
export type Speak = (key: SpeechKey, params?: SpeechParams) => string;

export interface VoiceSettings {
  /** A Twilio <Say> voice that speaks the language, e.g. Polly.Aditi or Google.hi-IN-Wavenet-A. */
  voice: string;
  /** e.g. hi-IN */
  language: string;
}

export const defaultVoiceSettings: VoiceSettings = { voice: 'Polly.Aditi', language: 'hi-IN' };

/**
 * Speech from the message catalogue, where an office may replace any text in its settings.
 * Overrides use the catalogue's {param} placeholders.
 */
export function createSpeak(
  translate: (key: string, params?: SpeechParams) => string,
  overrides: Partial<Record<SpeechKey, string>> = {},
): Speak {
  return (key, params = {}) => {
    const override = overrides[key];
    if (override === undefined) return translate(key, params);
    return override.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in params ? String(params[name]) : whole,
    );
  };
}

/** A reference number read one character at a time; read as a whole it would be spoken as billions. */
export function spellOut(reference: string): string {
  return [...reference.replace(/\s+/g, '')].join(' ');
}

interface Speech {
  voice: VoiceSettings;
  speak: Speak;
}

function sayAttributes(voice: VoiceSettings): SayAttributes {
  return { voice: voice.voice, language: voice.language } as SayAttributes;
}

export interface BridgeTwimlInput extends Speech {
  attemptId: string | number;
  complainantPhone: string;
  officeCallerId: string;
  record: boolean;
  publicBaseUrl: string;
  dialTimeoutSeconds?: number;
}

/**
 * Runs on the caller's leg once they pick up: tell them what is happening, then dial the complainant
 * showing the office's caller ID. The complainant's number exists only inside <Number>, which Twilio
 * dials and never plays or shows to the caller.
 */
export function bridgeTwiml(input: BridgeTwimlInput): string {
  const { attemptId, publicBaseUrl, voice, speak, record } = input;
  const response = new VoiceResponse();
  response.say(sayAttributes(voice), speak('telephony.bridge.connecting'));
  if (record) response.say(sayAttributes(voice), speak('telephony.bridge.recordingNotice'));
  const dial = response.dial({
    callerId: input.officeCallerId,
    timeout: input.dialTimeoutSeconds ?? 30,
    ...(record && {
      record: 'record-from-answer-dual',
      recordingStatusCallback: webhookUrl(publicBaseUrl, 'recording', { attemptId }),
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvent: ['completed'],
    }),
  });
  dial.number(
    {
      statusCallback: webhookUrl(publicBaseUrl, 'complainantStatus', { attemptId }),
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      // The complainant hears the consent announcement when they answer, before the two are connected.
      ...(record && { url: webhookUrl(publicBaseUrl, 'consent'), method: 'POST' }),
    },
    input.complainantPhone,
  );
  return response.toString();
}

/** Played to the complainant on answering a recorded bridge. */
export function consentTwiml({ voice, speak }: Speech): string {
  const response = new VoiceResponse();
  response.say(sayAttributes(voice), speak('telephony.consent.announcement'));
  return response.toString();
}

export interface IvrTwimlInput extends Speech {
  attemptId: string | number;
  referenceNumber: string;
  departmentName: string;
  publicBaseUrl: string;
  gatherTimeoutSeconds?: number;
}

/**
 * The IVR call: name the reference and department, take one key. With no key Twilio falls through to the
 * next verb, so the second <Gather> is the single repeat and the goodbye ends the call.
 */
export function ivrTwiml(input: IvrTwimlInput): string {
  const { voice, speak } = input;
  const prompt = speak('telephony.ivr.prompt', {
    reference: spellOut(input.referenceNumber),
    department: input.departmentName,
  });
  const response = new VoiceResponse();
  response.pause({ length: 1 }); // the complainant is still saying hello
  gather(response, input, 1).say(sayAttributes(voice), prompt);
  const repeat = gather(response, input, 2);
  repeat.say(sayAttributes(voice), speak('telephony.ivr.noInput'));
  repeat.say(sayAttributes(voice), prompt);
  response.say(sayAttributes(voice), speak('telephony.ivr.goodbye'));
  response.hangup();
  return response.toString();
}

export interface IvrAnswerInput extends Speech {
  attemptId: string | number;
  digits: unknown;
  /** Which <Gather> the digits came from: 1, or 2 for the repeat. */
  round: number;
  publicBaseUrl: string;
  gatherTimeoutSeconds?: number;
}

/** The reply to a keypad answer: thank and hang up, or on a wrong key ask once more. */
export function ivrAnswerTwiml(input: IvrAnswerInput): { choice: IvrChoice | null; twiml: string } {
  const { voice, speak } = input;
  const choice = ivrChoiceFromDigits(input.digits);
  const response = new VoiceResponse();
  if (choice) {
    const thanks = {
      satisfied: 'telephony.ivr.thanksSatisfied',
      unsatisfied: 'telephony.ivr.thanksUnsatisfied',
      wants_person: 'telephony.ivr.callbackPromised',
    } as const;
    response.say(sayAttributes(voice), speak(thanks[choice]));
  } else if (input.round < 2) {
    response.say(sayAttributes(voice), speak('telephony.ivr.invalidChoice'));
    gather(response, input, 2).say(sayAttributes(voice), speak('telephony.ivr.choices'));
    response.say(sayAttributes(voice), speak('telephony.ivr.goodbye'));
  } else {
    response.say(sayAttributes(voice), speak('telephony.ivr.goodbye'));
  }
  response.hangup();
  return { choice, twiml: response.toString() };
}

function gather(
  response: InstanceType<typeof VoiceResponse>,
  input: { attemptId: string | number; publicBaseUrl: string; gatherTimeoutSeconds?: number },
  round: number,
) {
  return response.gather({
    input: ['dtmf'],
    numDigits: 1,
    timeout: input.gatherTimeoutSeconds ?? 7,
    action: webhookUrl(input.publicBaseUrl, 'ivrAnswer', { attemptId: input.attemptId }, { round }),
    method: 'POST',
    actionOnEmptyResult: false,
  });
}

/** A reply for webhooks that have nothing for Twilio to do. */
export function emptyTwiml(): string {
  return new VoiceResponse().toString();
}
