import { expect } from 'chai';
import { seededRandom } from '../../../../../server/shared/random.js';
import {
  WHOLE_FRAME_POOL,
  largestRemainder,
  planSample,
  rankingDepth,
  type SampleDesign,
} from '../../../../../server/features/sessions/sampling/designs.js';
import { expectAppError, someStratumSizes } from './builders.js';

const sizes = (entries: Record<string, number>) => new Map(Object.entries(entries));
const counts = (design: SampleDesign, strata: Map<string, number>) =>
  Object.fromEntries(planSample(design, strata).pools.map((p) => [p.pool, p.sampleSize]));
const proportional = (sampleSize: number, minimumPerStratum?: number): SampleDesign => ({
  kind: 'stratified',
  allocation: 'proportional',
  sampleSize,
  minimumPerStratum,
});
const equal = (sampleSize: number): SampleDesign => ({ kind: 'stratified', allocation: 'equal', sampleSize });

describe('sampling designs', () => {
  describe('simple random', () => {
    it('draws the whole frame as one pool', () => {
      const plan = planSample({ kind: 'simple', sampleSize: 55 }, sizes({ revenue: 500, police: 300 }));
      expect(plan.pools).to.deep.equal([
        { pool: WHOLE_FRAME_POOL, frameSize: 800, sampleSize: 55, reserveSize: 55 },
      ]);
    });
  });

  describe('proportional allocation (largest remainder)', () => {
    it('rounds a hand-worked example', () => {
      // Quotas 4 × (5, 3, 2) / 10 = 2.0, 1.2, 0.8: floors 2, 1, 0 and the one left over goes to the largest
      // remainder (electricity's 0.8).
      expect(counts(proportional(4), sizes({ revenue: 5, police: 3, electricity: 2 }))).to.deep.equal({
        electricity: 1,
        police: 1,
        revenue: 2,
      });
    });

    it('breaks equal remainders towards the larger stratum, then the lower label', () => {
      // 5 × (3, 7) / 10 = 1.5, 3.5: the same remainder, so the leftover goes to the larger stratum z, not to a.
      expect(counts(proportional(5), sizes({ a: 3, z: 7 }))).to.deep.equal({ a: 1, z: 4 });
      // 1 × (3, 3) / 6: equal remainders and sizes, so the lower label wins.
      expect(counts(proportional(1), sizes({ b: 3, a: 3 }))).to.deep.equal({ a: 1, b: 0 });
    });

    it('sums exactly to n and stays within one of the exact quota, over many random frames', () => {
      const random = seededRandom('proportional');
      for (let trial = 0; trial < 500; trial++) {
        const strata = someStratumSizes(random, random.int(1, 30), random.pick([3, 50, 5000]));
        const frameSize = [...strata.values()].reduce((a, b) => a + b, 0);
        const n = random.int(1, frameSize);
        const plan = planSample(proportional(n), strata);
        expect(plan.pools.reduce((sum, p) => sum + p.sampleSize, 0)).to.equal(n);
        for (const pool of plan.pools) {
          const quota = (n * pool.frameSize) / frameSize;
          expect(pool.sampleSize).to.be.within(Math.floor(quota), Math.ceil(quota));
          expect(pool.sampleSize).to.be.at.most(pool.frameSize);
        }
      }
    });

    it('does not depend on the order strata are listed in', () => {
      const random = seededRandom('order');
      for (let trial = 0; trial < 50; trial++) {
        const strata = someStratumSizes(random, 12, 40);
        const reversed = new Map([...strata].reverse());
        const n = random.int(1, 100);
        expect(planSample(proportional(n), reversed)).to.deep.equal(planSample(proportional(n), strata));
      }
    });
  });

  describe('equal allocation', () => {
    it('gives n / S each, the extras to the larger strata', () => {
      expect(counts(equal(7), sizes({ revenue: 50, police: 90, electricity: 10 }))).to.deep.equal({
        electricity: 2,
        police: 3,
        revenue: 2,
      });
    });

    it('sums exactly and differs by at most one between strata', () => {
      const random = seededRandom('equal');
      for (let trial = 0; trial < 200; trial++) {
        const strata = someStratumSizes(random, random.int(1, 24), 1000);
        const smallest = Math.min(...strata.values());
        const n = random.int(1, smallest * strata.size);
        const given = planSample(equal(n), strata).pools.map((p) => p.sampleSize);
        expect(given.reduce((a, b) => a + b, 0)).to.equal(n);
        expect(Math.max(...given) - Math.min(...given)).to.be.at.most(1);
      }
    });
  });

  describe('minimum per stratum', () => {
    it('lifts small strata to the minimum and shares the rest proportionally', () => {
      // Without a minimum: 20 × (90, 6, 4) / 100 = 18, 1.2, 0.8 → 18, 1, 1. With 3 each the two small ones are
      // fixed at 3 and revenue takes the remaining 14.
      expect(counts(proportional(20, 3), sizes({ revenue: 90, police: 6, fisheries: 4 }))).to.deep.equal({
        fisheries: 3,
        police: 3,
        revenue: 14,
      });
    });

    it('always meets the minimum and sums exactly, over many random frames', () => {
      const random = seededRandom('minimum');
      for (let trial = 0; trial < 300; trial++) {
        const strata = someStratumSizes(random, random.int(1, 24), random.pick([10, 400]));
        const smallest = Math.min(...strata.values());
        const minimum = random.int(0, Math.min(smallest, 4));
        const frameSize = [...strata.values()].reduce((a, b) => a + b, 0);
        const n = random.int(minimum * strata.size || 1, frameSize);
        const plan = planSample(proportional(n, minimum), strata);
        expect(plan.pools.reduce((sum, p) => sum + p.sampleSize, 0)).to.equal(n);
        for (const pool of plan.pools) expect(pool.sampleSize).to.be.within(minimum, pool.frameSize);
      }
    });
  });

  describe('reserves', () => {
    it('keeps max(k, 5) reserves per pool by default, never more than the pool has left, none when k is 0', () => {
      const plan = planSample(proportional(12), sizes({ revenue: 100, police: 12, fisheries: 1 }));
      expect(plan.pools).to.deep.equal([
        { pool: 'fisheries', frameSize: 1, sampleSize: 0, reserveSize: 0 },
        { pool: 'police', frameSize: 12, sampleSize: 1, reserveSize: 5 },
        { pool: 'revenue', frameSize: 100, sampleSize: 11, reserveSize: 11 },
      ]);
      expect(plan.reserveSize).to.equal(16);
    });

    it('follows the design’s reserve settings', () => {
      const plan = planSample(
        { kind: 'simple', sampleSize: 10, reservePerSampled: 2, minimumReserve: 0 },
        sizes({ revenue: 25 }),
      );
      expect(plan.pools[0].reserveSize).to.equal(15);
    });

    it('ranks deep enough for any stratum before sizes are known', () => {
      expect(rankingDepth(proportional(1000))).to.equal(2000);
      expect(rankingDepth({ kind: 'simple', sampleSize: 2 })).to.equal(7);
    });
  });

  describe('bad input', () => {
    it('refuses a sample size that is not a positive whole number', () => {
      for (const n of [0, -3, 2.5, Number.NaN]) {
        expectAppError(
          () => planSample({ kind: 'simple', sampleSize: n }, sizes({ a: 5 })),
          'sessions.error.sampleSizeNotPositive',
        );
      }
    });

    it('refuses an empty frame', () => {
      expectAppError(() => planSample(proportional(5), new Map()), 'sessions.error.frameEmpty');
      expectAppError(() => planSample(proportional(5), sizes({ revenue: 0 })), 'sessions.error.frameEmpty');
    });

    it('refuses a sample larger than the frame, saying both sizes', () => {
      expectAppError(
        () => planSample(proportional(11), sizes({ revenue: 6, police: 4 })),
        'sessions.error.sampleLargerThanFrame',
        { sampleSize: 11, frameSize: 10 },
      );
    });

    it('names the department with fewer complaints than asked, and how many it has', () => {
      expectAppError(
        () => planSample(equal(9), sizes({ revenue: 50, fisheries: 2, police: 40 })),
        'sessions.error.stratumTooSmall',
        { stratum: 'fisheries', available: 2, requested: 3, others: 0 },
      );
      const named = planSample.bind(
        null,
        proportional(20, 3),
        sizes({ revenue: 90, mining: 1, fisheries: 2 }),
        {
          stratumName: (code: string) => code.toUpperCase(),
        },
      );
      expectAppError(named, 'sessions.error.stratumTooSmall', {
        stratum: 'FISHERIES',
        available: 2,
        requested: 3,
        others: 1,
      });
    });

    it('refuses a minimum that the sample size cannot give every department', () => {
      expectAppError(
        () => planSample(proportional(5, 2), sizes({ a: 10, b: 10, c: 10 })),
        'sessions.error.minimumTooLarge',
        { minimum: 2, strata: 3, sampleSize: 5 },
      );
    });

    it('refuses reserve settings out of range', () => {
      expectAppError(
        () => planSample({ kind: 'simple', sampleSize: 5, reservePerSampled: 9 }, sizes({ a: 50 })),
        'sessions.error.designInvalid',
        { field: 'reservePerSampled' },
      );
    });
  });

  describe('largestRemainder', () => {
    it('is exact with large numbers', () => {
      const given = largestRemainder(999_999, [
        { weight: 333_333, size: 333_333, label: 'a' },
        { weight: 333_333, size: 333_333, label: 'b' },
        { weight: 333_334, size: 333_334, label: 'c' },
      ]);
      expect(given.reduce((a, b) => a + b, 0)).to.equal(999_999);
    });
  });
});
