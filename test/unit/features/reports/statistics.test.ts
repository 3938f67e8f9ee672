// Wilson intervals and AAPOR rates checked against figures computed independently of the code under test.
import { expect } from 'chai';
import {
  aaporGroup,
  aaporRates,
  emptyAaporCounts,
  finalGroup,
  wilsonInterval,
} from '../../../../server/features/reports/statistics.js';

describe('report statistics', () => {
  describe('wilsonInterval', () => {
    // Expected bounds found without the closed form: the two p where (p − x/n)² = z²·p(1−p)/n, by bisection, with
    // z = NormalDist().inv_cdf(0.975) in python3 (statistics module). Same as R's prop.test(x, n, correct = FALSE).
    const cases: Array<[number, number, number, number]> = [
      [19, 55, 0.233627, 0.477461], // the Kanpur session: 19 satisfied of 55
      [0, 3, 0.0, 0.561497],
      [1, 2, 0.094531, 0.905469],
      [5, 5, 0.565518, 1.0],
    ];
    for (const [x, n, low, high] of cases) {
      it(`gives [${low}, ${high}] for ${x} of ${n}`, () => {
        const ci = wilsonInterval(x, n)!;
        expect(ci.low).to.be.closeTo(low, 1e-6);
        expect(ci.high).to.be.closeTo(high, 1e-6);
      });
    }
    it('has no interval without calls', () => {
      expect(wilsonInterval(0, 0)).to.equal(null);
    });
  });

  describe('AAPOR rates', () => {
    it('groups final disposition codes by AAPOR family', () => {
      expect(['1.1', '1.2', '2.11', '2.21', '2.33', '3.11', '4.31', null].map(aaporGroup)).to.deep.equal([
        'I',
        'P',
        'R',
        'NC',
        'O',
        'U',
        'NE',
        'U',
      ]);
    });

    it('decides a case by an interview or refusal anywhere, else by its last attempt', () => {
      expect(finalGroup(['2.21', '2.21', '1.1'])).to.equal('I');
      expect(finalGroup(['2.11', '2.21'])).to.equal('R');
      expect(finalGroup(['2.21', '4.31'])).to.equal('NE');
      expect(finalGroup([])).to.equal('U');
    });

    it('computes RR1, CON1 and REF1 as the Standard Definitions do', () => {
      // 55 complete, 2 partial, 4 refused, 6 non-contact, 1 other (language), 1 never dialled, 3 wrong numbers.
      // By hand: denominator = 55+2+4+6+1+1 = 69 (wrong numbers are not eligible and leave it);
      // RR1 = 55/69 = 0.797101, CON1 = (55+2+4+1)/69 = 62/69 = 0.898551, REF1 = 4/69 = 0.057971.
      const counts = { ...emptyAaporCounts(), I: 55, P: 2, R: 4, NC: 6, O: 1, U: 1, NE: 3 };
      const rates = aaporRates(counts);
      expect(rates.cases).to.equal(72);
      expect(rates.rr1).to.be.closeTo(0.797101, 1e-6);
      expect(rates.con1).to.be.closeTo(0.898551, 1e-6);
      expect(rates.ref1).to.be.closeTo(0.057971, 1e-6);
    });

    it('has no rates without eligible cases', () => {
      expect(aaporRates({ ...emptyAaporCounts(), NE: 2 }).rr1).to.equal(null);
    });
  });
});
