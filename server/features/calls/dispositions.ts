// The contact dispositions a caller records for an attempt, each with its AAPOR final disposition code (docs/dispositions.md).
import { prefilledDispositions } from '../telephony/call-status.js';

/** What the queue does with the task after an attempt ends this way. */
export type DispositionEffect =
  | 'done' // the task is finished: the complainant was reached, or will not be
  | 'retry' // try again later, until the attempts run out; then unreachable
  | 'callback' // a new attempt at the time the complainant asked for
  | 'unreachable'; // this number cannot reach the complainant: end it and replace it from the reserve

export interface Disposition {
  code: string;
  aapor: string;
  effect: DispositionEffect;
  /** A person was spoken to (counts towards the contact rate and sets last_verified_at). */
  contact: boolean;
  /** Whether a verdict is required (complete), allowed (partial) or not taken. */
  verdict: 'required' | 'allowed' | 'none';
  /** The console's one-letter keyboard shortcut. */
  key: string;
}

export const DISPOSITIONS = [
  { code: 'complete', aapor: '1.1', effect: 'done', contact: true, verdict: 'required', key: 'c' },
  { code: 'partial', aapor: '1.2', effect: 'done', contact: true, verdict: 'allowed', key: 'p' },
  { code: 'refused', aapor: '2.11', effect: 'done', contact: true, verdict: 'none', key: 'r' },
  { code: 'callback_requested', aapor: '2.21', effect: 'callback', contact: true, verdict: 'none', key: 'k' },
  { code: 'language_barrier', aapor: '2.332', effect: 'done', contact: true, verdict: 'none', key: 'l' },
  {
    code: 'busy',
    aapor: prefilledDispositions.busy.aapor,
    effect: 'retry',
    contact: false,
    verdict: 'none',
    key: 'b',
  },
  {
    code: 'no_answer',
    aapor: prefilledDispositions.no_answer.aapor,
    effect: 'retry',
    contact: false,
    verdict: 'none',
    key: 'a',
  },
  {
    code: 'not_reachable',
    aapor: prefilledDispositions.not_reachable.aapor,
    effect: 'retry',
    contact: false,
    verdict: 'none',
    key: 's',
  },
  { code: 'wrong_number', aapor: '4.70', effect: 'unreachable', contact: false, verdict: 'none', key: 'w' },
  {
    code: 'not_in_service',
    aapor: prefilledDispositions.not_in_service.aapor,
    effect: 'unreachable',
    contact: false,
    verdict: 'none',
    key: 'x',
  },
  { code: 'other', aapor: '2.30', effect: 'done', contact: false, verdict: 'none', key: 'o' },
] as const satisfies readonly Disposition[];

export type DispositionCode = (typeof DISPOSITIONS)[number]['code'];
export const DISPOSITION_CODES = DISPOSITIONS.map((d) => d.code) as [DispositionCode, ...DispositionCode[]];

/** The complainant's verdict on how the complaint was disposed of; keys 1–4 on the console. */
export const VERDICTS = ['satisfied', 'partly_satisfied', 'unsatisfied', 'not_addressed'] as const;
export type Verdict = (typeof VERDICTS)[number];

export function dispositionOf(code: string): Disposition | undefined {
  return (DISPOSITIONS as readonly Disposition[]).find((d) => d.code === code);
}

export function isVerdict(value: unknown): value is Verdict {
  return typeof value === 'string' && (VERDICTS as readonly string[]).includes(value);
}
