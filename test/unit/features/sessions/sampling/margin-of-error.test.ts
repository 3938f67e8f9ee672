import { expect } from 'chai';
import { planSample } from '../../../../../server/features/sessions/sampling/designs.js';
import {
  marginOfError,
  planMargins,
} from '../../../../../server/features/sessions/sampling/margin-of-error.js';

// Expected values computed separately in Python: 1.959963984540054 * sqrt(0.25 / n * (N - n) / (N - 1)).
describe('sampling margin of error (95%, p = 0.5)', () => {
  it('matches the textbook figures, with the finite population correction', () => {
    expect(marginOfError(384, 1e9)).to.be.closeTo(0.05000948705188161, 1e-12);
    expect(marginOfError(1000, 800_000)).to.be.closeTo(0.030970396320500564, 1e-12);
    expect(marginOfError(55, 800)).to.be.closeTo(0.12759730371809905, 1e-12);
  });

  it('is zero for a census and absent when nothing is sampled', () => {
    expect(marginOfError(5, 5)).to.equal(0);
    expect(marginOfError(1, 1)).to.equal(0);
    expect(marginOfError(0, 10)).to.equal(null);
  });

  it('gives overall and per-stratum margins for a stratified plan', () => {
    const strata = new Map([
      ['revenue', 90],
      ['police', 6],
      ['fisheries', 4],
    ]);
    const plan = planSample(
      { kind: 'stratified', allocation: 'proportional', sampleSize: 20, minimumPerStratum: 3 },
      strata,
    );
    const margins = planMargins(plan, strata);
    // Σ W² · 0.25/n · (N−n)/(N−1) over (90, 14), (6, 3), (4, 3), in Python: 0.21979551471466835.
    expect(margins.overall).to.be.closeTo(0.21979551471466835, 1e-12);
    expect(margins.uncoveredFrameSize).to.equal(0);
    expect(margins.perStratum.map((s) => [s.stratum, s.sampleSize])).to.deep.equal([
      ['fisheries', 3],
      ['police', 3],
      ['revenue', 14],
    ]);
    expect(margins.perStratum[0].marginOfError).to.be.closeTo(marginOfError(3, 4)!, 1e-15);
  });

  it('under proportional allocation is the simple random figure, and reports strata left out', () => {
    const strata = new Map([
      ['revenue', 5000],
      ['police', 3000],
      ['fisheries', 1],
    ]);
    const plan = planSample({ kind: 'stratified', allocation: 'proportional', sampleSize: 800 }, strata);
    const margins = planMargins(plan, strata);
    expect(margins.uncoveredFrameSize).to.equal(1);
    expect(margins.overall).to.be.closeTo(marginOfError(800, 8000)!, 1e-4);
  });

  it('uses the expected stratum sample for a simple random plan', () => {
    const strata = new Map([
      ['revenue', 600],
      ['police', 200],
    ]);
    const margins = planMargins(planSample({ kind: 'simple', sampleSize: 80 }, strata), strata);
    expect(margins.overall).to.equal(marginOfError(80, 800));
    expect(margins.perStratum.find((s) => s.stratum === 'police')!.sampleSize).to.equal(20);
  });
});
