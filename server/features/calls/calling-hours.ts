// Calling hours and retry timing: when a complainant may be phoned, and when the next attempt should be.
import { DateTime } from 'luxon';
import { IST } from '../../shared/dates.js';

export interface CallingHours {
  /** 'HH:MM' in Asia/Kolkata. */
  start: string;
  end: string;
}

export const DEFAULT_CALLING_HOURS: CallingHours = { start: '09:00', end: '19:00' };

export interface QueueSettings {
  leaseMinutes: number;
  maxAttempts: number;
  retryGapMinutes: number;
  callingHours: CallingHours;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  leaseMinutes: 15,
  maxAttempts: 3,
  retryGapMinutes: 120,
  callingHours: DEFAULT_CALLING_HOURS,
};

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Whether a moment falls inside calling hours (holidays are checked separately, per district). */
export function withinCallingHours(at: DateTime, hours: CallingHours): boolean {
  const local = at.setZone(IST);
  const m = local.hour * 60 + local.minute;
  return m >= minutesOf(hours.start) && m < minutesOf(hours.end);
}

/**
 * Parts of the calling day. Survey practice spreads attempts over different times of day, because a
 * complainant out at work in the morning may answer in the evening.
 */
export function dayPart(at: DateTime, hours: CallingHours): 0 | 1 | 2 {
  const local = at.setZone(IST);
  const start = minutesOf(hours.start);
  const third = (minutesOf(hours.end) - start) / 3;
  const m = local.hour * 60 + local.minute - start;
  return m < third ? 0 : m < 2 * third ? 1 : 2;
}

/**
 * When to try again after a busy / no answer / not reachable attempt: at least the gap later, inside calling
 * hours, and in a part of the day not yet tried when one is reachable within three days; otherwise the
 * earliest allowed moment.
 */
export function nextAttemptAt(
  now: DateTime,
  triedAt: readonly DateTime[],
  settings: Pick<QueueSettings, 'retryGapMinutes' | 'callingHours'>,
): DateTime {
  const hours = settings.callingHours;
  const tried = new Set(triedAt.map((t) => dayPart(t, hours)));
  const earliest = now.plus({ minutes: settings.retryGapMinutes });
  const start = minutesOf(hours.start);
  const length = minutesOf(hours.end) - start;
  const candidates: DateTime[] = [];
  // Candidate moments: the earliest allowed one, then the start of each day part over the next days.
  for (let day = 0; day < 4; day++) {
    const base = earliest.setZone(IST).startOf('day').plus({ days: day, minutes: start });
    for (let part = 0; part < 3; part++)
      candidates.push(base.plus({ minutes: Math.ceil((part * length) / 3) }));
  }
  const allowed = [earliest, ...candidates]
    .filter((t) => t >= earliest && withinCallingHours(t, hours))
    .sort((a, b) => a.toMillis() - b.toMillis());
  const fresh = allowed.find((t) => !tried.has(dayPart(t, hours)));
  return (fresh ?? allowed[0] ?? earliest).toUTC();
}
