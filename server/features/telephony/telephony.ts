// The telephony adapter the rest of the desk talks to: manual dialling by default, Twilio when configured.
import { TelephonyError } from './telephony-error.js';
import { defaultVoiceSettings, type Speak, type VoiceSettings } from './twiml.js';
import { TwilioTelephony } from './twilio-client.js';

export { TelephonyError };

export interface BridgeCallRequest {
  /** The caller's own phone (desk or mobile, from their profile), E.164. */
  callerPhone: string;
  /** The complainant's number, E.164. Goes to Twilio only inside the TwiML; the caller never sees it. */
  complainantPhone: string;
  attemptId: string | number;
  /** Record the conversation (a session setting); adds the consent announcement. */
  record: boolean;
}

export interface IvrCallRequest {
  complainantPhone: string;
  attemptId: string | number;
  referenceNumber: string;
  departmentName: string;
}

export interface RecordingAudio {
  contentType: string;
  body: Buffer;
}

export interface Telephony {
  readonly mode: 'manual' | 'twilio';
  /** Rings the caller, then dials the complainant with the office caller ID. Null in manual mode. */
  startBridgeCall(request: BridgeCallRequest): Promise<{ callSid: string } | null>;
  /** Twilio calls the complainant and takes a keypad answer. Null in manual mode. */
  startIvrCall(request: IvrCallRequest): Promise<{ callSid: string } | null>;
  /** Ends a call in any state; a call that has already ended is fine. */
  hangup(callSid: string): Promise<void>;
  /** Deletes a recording at Twilio (retention); one already gone is fine. */
  deleteRecording(recordingSid: string): Promise<void>;
  /** The audio, fetched with the account's credentials so the recording's address never reaches a browser. */
  fetchRecordingAudio(recordingSid: string): Promise<RecordingAudio>;
}

/** No telephony account: the console shows a tel: link and the caller dials from their own phone. */
export class ManualTelephony implements Telephony {
  readonly mode = 'manual' as const;
  async startBridgeCall(): Promise<null> {
    return null;
  }
  async startIvrCall(): Promise<null> {
    return null;
  }
  async hangup(): Promise<void> {}
  async deleteRecording(): Promise<void> {}
  async fetchRecordingAudio(): Promise<RecordingAudio> {
    throw new TelephonyError(
      { messageKey: 'telephony.error.recordingUnavailable', params: {}, twilioCode: null, retryable: false },
      404,
    );
  }
}

export interface TelephonySettings {
  /** From config: set only when the account SID, auth token and caller ID are all given. */
  twilio: { accountSid: string; authToken: string; callerId: string } | undefined;
  publicBaseUrl: string | undefined;
  /** Sends REST calls here instead of https://api.twilio.com (the fake Twilio server in tests and demos). */
  apiBaseUrl?: string;
  voice?: VoiceSettings;
  /** The words Twilio speaks (the Hindi catalogue, with the office's overrides). */
  speak: Speak;
  dialTimeoutSeconds?: number;
}

export function createTelephony(settings: TelephonySettings): Telephony {
  if (!settings.twilio || !settings.publicBaseUrl) return new ManualTelephony();
  return new TwilioTelephony({
    ...settings.twilio,
    publicBaseUrl: settings.publicBaseUrl,
    apiBaseUrl: settings.apiBaseUrl,
    voice: settings.voice ?? defaultVoiceSettings,
    speak: settings.speak,
    dialTimeoutSeconds: settings.dialTimeoutSeconds,
  });
}
