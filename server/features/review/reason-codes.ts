// Why a disposal report was rejected: the reason codes a session officer picks from, and the deadline rule.
import type { DateTime } from 'luxon';
import { IST } from '../../shared/dates.js';

export const REJECTION_REASONS = [
  'complainant_not_contacted',
  'no_site_visit',
  'statement_missing',
  'action_not_taken',
  'false_or_copied',
  'wrong_department',
  'other',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const DEFAULT_EXPLANATION_DAYS = 3;
export const EXPLANATION_DAYS_SETTING = 'review.explanation_days';

/**
 * The end of the N-th day after the demand, as the office counts days: in Asia/Kolkata, whole days, so a demand
 * issued at 17:00 IST on the 22nd with 3 days is due by 23:59:59.999 IST on the 25th. Returned in UTC.
 */
export function explanationDeadline(issuedAt: DateTime, days: number): DateTime {
  return issuedAt.setZone(IST).plus({ days }).endOf('day').toUTC();
}
