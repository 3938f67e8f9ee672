// Sample designs: how many complaints (and reserves) each pool of the frame gives, decided before any is drawn.
import { badRequest } from '../../../shared/errors.js';

/** The one pool of a simple random design: the whole frame. */
export const WHOLE_FRAME_POOL = '*';

/** Reserves kept per pool with k > 0: max(k × perSampled, minimum), never more than the pool has left. */
export const DEFAULT_RESERVE = { perSampled: 1, minimum: 5 } as const;
const RESERVE_LIMITS = { perSampled: 5, minimum: 100 } as const;

interface DesignCommon {
  sampleSize: number;
  reservePerSampled?: number;
  minimumReserve?: number;
}

export type SampleDesign =
  | ({ kind: 'simple' } & DesignCommon)
  | ({
      kind: 'stratified';
      allocation: 'proportional' | 'equal';
      /** Each stratum gives at least this many (proportional); with equal allocation it only bounds the sample. */
      minimumPerStratum?: number;
    } & DesignCommon);

export interface PoolQuota {
  pool: string;
  frameSize: number;
  sampleSize: number;
  reserveSize: number;
}

export interface SamplePlan {
  frameSize: number;
  sampleSize: number;
  reserveSize: number;
  /** In byte order of the pool label, so the plan never depends on the database's row order. */
  pools: PoolQuota[];
}

export interface PlanOptions {
  /** Turns a stratum label (a department code) into the name shown in error messages. */
  stratumName?: (stratum: string) => string;
}

/** Byte order of the UTF-8 labels, the order `LC_ALL=C sort` uses: the same on every machine and engine. */
export function compareLabels(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function requireInteger(
  field: string,
  value: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw badRequest('sessions.error.designInvalid', { field, min, max });
  }
  return value;
}

/** How deep each pool's ranking must go before stratum sizes are known: no pool needs more than n + its reserves. */
export function rankingDepth(design: SampleDesign): number {
  const { sampleSize: n, perSampled, minimumReserve } = checkDesign(design);
  return n + Math.max(n * perSampled, minimumReserve);
}

/** Checks a design's own numbers (before any frame is read) and fills in the defaults. */
export function checkDesign(design: SampleDesign) {
  const n = design.sampleSize;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw badRequest('sessions.error.sampleSizeNotPositive', { sampleSize: n });
  }
  const perSampled = requireInteger(
    'reservePerSampled',
    design.reservePerSampled,
    0,
    RESERVE_LIMITS.perSampled,
  );
  const minimumReserve = requireInteger('minimumReserve', design.minimumReserve, 0, RESERVE_LIMITS.minimum);
  const minimum =
    design.kind === 'stratified'
      ? requireInteger('minimumPerStratum', design.minimumPerStratum, 0, Number.MAX_SAFE_INTEGER)
      : undefined;
  return {
    sampleSize: n,
    perSampled: perSampled ?? DEFAULT_RESERVE.perSampled,
    minimumReserve: minimumReserve ?? DEFAULT_RESERVE.minimum,
    minimum: minimum ?? 0,
  };
}

/**
 * Plans a design on the frame's stratum sizes. Throws an AppError (message key + params) for a design the
 * frame cannot satisfy, naming what to change.
 */
export function planSample(
  design: SampleDesign,
  stratumSizes: ReadonlyMap<string, number>,
  options: PlanOptions = {},
): SamplePlan {
  const name = options.stratumName ?? ((s: string) => s);
  const { sampleSize: n, perSampled, minimumReserve, minimum } = checkDesign(design);

  const strata = [...stratumSizes]
    .filter(([, size]) => size > 0)
    .map(([label, size]) => ({ label, size }))
    .sort((a, b) => compareLabels(a.label, b.label));
  const frameSize = strata.reduce((sum, s) => sum + s.size, 0);
  if (frameSize === 0) throw badRequest('sessions.error.frameEmpty');
  if (n > frameSize) throw badRequest('sessions.error.sampleLargerThanFrame', { sampleSize: n, frameSize });

  const reserveFor = (k: number, size: number) =>
    k === 0 ? 0 : Math.min(size - k, Math.max(k * perSampled, minimumReserve));
  const plan = (pools: { label: string; size: number; k: number }[]): SamplePlan => {
    const quotas = pools.map((p) => ({
      pool: p.label,
      frameSize: p.size,
      sampleSize: p.k,
      reserveSize: reserveFor(p.k, p.size),
    }));
    return {
      frameSize,
      sampleSize: n,
      reserveSize: quotas.reduce((sum, q) => sum + q.reserveSize, 0),
      pools: quotas,
    };
  };

  if (design.kind === 'simple') return plan([{ label: WHOLE_FRAME_POOL, size: frameSize, k: n }]);

  if (minimum * strata.length > n) {
    throw badRequest('sessions.error.minimumTooLarge', { minimum, strata: strata.length, sampleSize: n });
  }
  const rejectTooSmall = (requested: (s: Stratum, i: number) => number) => {
    const tooSmall = strata
      .map((s, i) => ({ ...s, requested: requested(s, i) }))
      .filter((s) => s.requested > s.size);
    if (tooSmall.length === 0) return;
    const first = tooSmall[0];
    throw badRequest('sessions.error.stratumTooSmall', {
      stratum: name(first.label),
      available: first.size,
      requested: first.requested,
      others: tooSmall.length - 1,
    });
  };
  rejectTooSmall(() => minimum);
  const counts =
    design.allocation === 'equal' ? allocateEqually(n, strata) : allocateProportionally(n, strata, minimum);
  // Proportional counts never exceed their stratum (k_s ≤ ⌈n·N_s/N⌉ ≤ N_s); equal ones can.
  rejectTooSmall((_, i) => counts[i]);
  return plan(strata.map((s, i) => ({ ...s, k: counts[i] })));
}

interface Stratum {
  label: string;
  size: number;
}

/** n / S each; the n mod S extra go to the largest strata, then by label. */
function allocateEqually(n: number, strata: readonly Stratum[]): number[] {
  return largestRemainder(
    n,
    strata.map((s) => ({ weight: 1, size: s.size, label: s.label })),
  );
}

/**
 * Proportional to stratum size (Hamilton). With a minimum m: strata whose share falls below m are fixed at m
 * and the rest of the sample is shared again among the others, until no share falls below m.
 */
function allocateProportionally(n: number, strata: readonly Stratum[], minimum: number): number[] {
  const fixed = new Set<number>();
  for (;;) {
    const free = strata.map((_, i) => i).filter((i) => !fixed.has(i));
    const counts = largestRemainder(
      n - minimum * fixed.size,
      free.map((i) => ({ weight: strata[i].size, size: strata[i].size, label: strata[i].label })),
    );
    const below = free.filter((_, j) => counts[j] < minimum);
    if (below.length === 0) {
      const result = strata.map(() => minimum);
      free.forEach((i, j) => (result[i] = counts[j]));
      return result;
    }
    for (const i of below) fixed.add(i);
  }
}

/**
 * Largest-remainder (Hamilton) rounding of total × weight / Σweight, in exact integer arithmetic so it sums to
 * total on every machine. Ties on the remainder go to the larger stratum, then to the lower label in byte order.
 */
export function largestRemainder(
  total: number,
  items: readonly { weight: number; size: number; label: string }[],
): number[] {
  if (items.length === 0) return [];
  const weightSum = items.reduce((sum, item) => sum + item.weight, 0);
  if (!Number.isSafeInteger(total * weightSum)) throw new RangeError('largestRemainder: numbers too large');
  const parts = items.map((item, index) => {
    const numerator = total * item.weight;
    const remainder = numerator % weightSum;
    return { index, item, count: (numerator - remainder) / weightSum, remainder };
  });
  let left = total - parts.reduce((sum, p) => sum + p.count, 0);
  const byClaim = [...parts].sort(
    (a, b) =>
      b.remainder - a.remainder || b.item.size - a.item.size || compareLabels(a.item.label, b.item.label),
  );
  for (const part of byClaim) {
    if (left === 0) break;
    part.count++;
    left--;
  }
  return parts.map((p) => p.count);
}
