// The webhook addresses Twilio calls back on: one table for the route definitions and the URLs we hand Twilio.

export const webhookPaths = {
  /** Status callbacks of the caller's own leg of a bridge. */
  callerStatus: '/telephony/attempts/:attemptId/caller-status',
  /** Status callbacks of the complainant's leg (the dialled number of a bridge, or the whole IVR call). */
  complainantStatus: '/telephony/attempts/:attemptId/complainant-status',
  /** Recording finished (bridge with recording on). */
  recording: '/telephony/attempts/:attemptId/recording',
  /** Keypad answer on the IVR; answers with TwiML. Query: round=1|2. */
  ivrAnswer: '/telephony/attempts/:attemptId/ivr-answer',
  /** Consent announcement played to the complainant before the bridge connects; answers with TwiML. */
  consent: '/telephony/consent',
} as const;
export type WebhookName = keyof typeof webhookPaths;

/**
 * The public URL of a webhook. `publicBaseUrl` is what sits in front of the paths the app sees, so behind
 * a proxy that strips a prefix it includes that prefix (https://example.gov.in/igrs).
 */
export function webhookUrl(
  publicBaseUrl: string,
  name: WebhookName,
  params: { attemptId?: string | number } = {},
  query: Record<string, string | number> = {},
): string {
  const path = webhookPaths[name].replace(':attemptId', () => {
    if (params.attemptId === undefined) throw new Error(`webhook ${name} needs an attemptId`);
    return encodeURIComponent(String(params.attemptId));
  });
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return publicBaseUrl.replace(/\/+$/, '') + path + (search ? `?${search}` : '');
}
