// What the console's dial partial needs: the mode, and the complainant's number only where the caller may see it.
import type { Config } from '../../config.js';
import { maskMobile } from '../../shared/phones.js';

export type TelephonyMode = 'manual' | 'twilio';

/** Twilio mode needs the account, the caller ID and the public address; anything less is manual dialling. */
export function telephonyMode(config: Pick<Config, 'twilio' | 'publicBaseUrl'>): TelephonyMode {
  return config.twilio && config.publicBaseUrl ? 'twilio' : 'manual';
}

export interface DialControl {
  telephonyMode: TelephonyMode;
  /** The full number, for the tel: link; null in Twilio mode, where the caller never sees it. */
  mobile: string | null;
  maskedMobile: string;
  taskId: number;
}

/**
 * The console passes these to `{{> telephony/dial mobile=dial.mobile taskId=dial.taskId telephonyMode=dial.telephonyMode}}`,
 * and shows `maskedMobile` wherever else it names the number.
 */
export function dialControl(
  config: Pick<Config, 'twilio' | 'publicBaseUrl'>,
  task: { taskId: number; mobile: string | null },
): DialControl {
  const mode = telephonyMode(config);
  return {
    telephonyMode: mode,
    mobile: mode === 'manual' ? task.mobile : null,
    maskedMobile: maskMobile(task.mobile),
    taskId: task.taskId,
  };
}
