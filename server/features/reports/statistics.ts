// The session report's statistics: Wilson score intervals for shares, and AAPOR outcome rates for the calls.

/** z for a two-sided 95% interval (the 0.975 quantile of the standard normal). */
const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * The Wilson score interval for x successes in n trials. Chosen over the textbook p ± z·√(p(1−p)/n) because a
 * department often has 2–5 calls in a session, where the textbook interval leaves [0, 1] or collapses to a point.
 */
export function wilsonInterval(x: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** AAPOR's groups of final dispositions (Standard Definitions, 2023): the first digits of the code. */
export type AaporGroup = 'I' | 'P' | 'R' | 'NC' | 'O' | 'U' | 'NE';

/** The group of an AAPOR final disposition code such as '1.1', '2.12', '2.21', '3.11', '4.31'. */
export function aaporGroup(code: string | null | undefined): AaporGroup {
  if (!code) return 'U';
  if (code === '1.1' || code.startsWith('1.1')) return 'I';
  if (code.startsWith('1.2')) return 'P';
  if (code.startsWith('2.1')) return 'R';
  if (code.startsWith('2.2')) return 'NC';
  if (code.startsWith('2.')) return 'O';
  if (code.startsWith('4')) return 'NE';
  return 'U';
}

export type AaporCounts = Record<AaporGroup, number>;

export const emptyAaporCounts = (): AaporCounts => ({ I: 0, P: 0, R: 0, NC: 0, O: 0, U: 0, NE: 0 });

/**
 * A case's final disposition from its attempts, oldest first: an interview (complete, then partial) or a refusal
 * anywhere decides it, otherwise the last attempt does (AAPOR's usual rule for multi-attempt telephone studies).
 * A case never dialled is of unknown eligibility.
 */
export function finalGroup(attemptCodes: Array<string | null>): AaporGroup {
  const groups = attemptCodes.map(aaporGroup);
  for (const g of ['I', 'P', 'R'] as const) if (groups.includes(g)) return g;
  return groups.at(-1) ?? 'U';
}

export interface AaporRates {
  cases: number;
  counts: AaporCounts;
  /** Response rate 1: I / ((I+P) + (R+NC+O) + U). */
  rr1: number | null;
  /** Contact rate 1: (I+P+R+O) / ((I+P) + (R+NC+O) + U). */
  con1: number | null;
  /** Refusal rate 1: R / ((I+P) + (R+NC+O) + U). */
  ref1: number | null;
}

/** The rates over cases; not-eligible cases (wrong number, number not in service) leave the denominator. */
export function aaporRates(counts: AaporCounts): AaporRates {
  const { I, P, R, NC, O, U, NE } = counts;
  const denominator = I + P + R + NC + O + U;
  const rate = (x: number) => (denominator > 0 ? x / denominator : null);
  return {
    cases: denominator + NE,
    counts,
    rr1: rate(I),
    con1: rate(I + P + R + O),
    ref1: rate(R),
  };
}
