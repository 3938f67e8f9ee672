// The 95% margin of error a sample size gives for a satisfaction rate, shown to the supervisor before the draw.
import { compareLabels, WHOLE_FRAME_POOL, type SamplePlan } from './designs.js';

/** The 97.5th percentile of the standard normal distribution. */
export const Z_95 = 1.959963984540054;

/**
 * Half-width of the 95% interval for a proportion at p = 0.5 (the widest case), from a simple random sample of
 * n out of N, with the finite population correction √((N−n)/(N−1)). Null when nothing is sampled.
 */
export function marginOfError(sampleSize: number, frameSize: number): number | null {
  if (sampleSize <= 0 || frameSize <= 0) return null;
  if (sampleSize >= frameSize) return 0;
  return Z_95 * Math.sqrt((0.25 / sampleSize) * ((frameSize - sampleSize) / (frameSize - 1)));
}

export interface StratumMargin {
  stratum: string;
  frameSize: number;
  /** Expected, not fixed, under a simple random design: n × N_s / N. */
  sampleSize: number;
  marginOfError: number | null;
}

export interface PlanMargins {
  /** For the frame-weighted satisfaction rate (each stratum counted by its share of the frame). */
  overall: number | null;
  /** Complaints in strata the sample does not reach: the overall figure does not speak for them. */
  uncoveredFrameSize: number;
  perStratum: StratumMargin[];
}

/**
 * Margins for a plan. Overall: the stratified estimator's variance Σ W_h² · 0.25/n_h · (N_h−n_h)/(N_h−1), with
 * W_h the stratum's share of the covered frame; for a simple random design, the plain formula above.
 */
export function planMargins(plan: SamplePlan, stratumSizes: ReadonlyMap<string, number>): PlanMargins {
  const isSimple = plan.pools.length === 1 && plan.pools[0].pool === WHOLE_FRAME_POOL;
  const sampleOf = new Map(plan.pools.map((p) => [p.pool, p.sampleSize]));
  const perStratum = [...stratumSizes]
    .filter(([, size]) => size > 0)
    .sort(([a], [b]) => compareLabels(a, b))
    .map(([stratum, frameSize]) => {
      const sampleSize = isSimple
        ? (plan.sampleSize * frameSize) / plan.frameSize
        : (sampleOf.get(stratum) ?? 0);
      return { stratum, frameSize, sampleSize, marginOfError: marginOfError(sampleSize, frameSize) };
    });
  if (isSimple) {
    return { overall: marginOfError(plan.sampleSize, plan.frameSize), uncoveredFrameSize: 0, perStratum };
  }
  const covered = perStratum.filter((s) => s.sampleSize > 0);
  const coveredSize = covered.reduce((sum, s) => sum + s.frameSize, 0);
  const variance = covered.reduce((sum, s) => {
    const share = s.frameSize / coveredSize;
    const halfWidth = s.marginOfError! / Z_95;
    return sum + share * share * halfWidth * halfWidth;
  }, 0);
  return {
    overall: covered.length === 0 ? null : Z_95 * Math.sqrt(variance),
    uncoveredFrameSize: plan.frameSize - coveredSize,
    perStratum,
  };
}
