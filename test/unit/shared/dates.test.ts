import { expect } from 'chai';
import { DateTime } from 'luxon';
import { formatIst, fromDbTime, toDbTime, istDay } from '../../../server/shared/dates.js';
import { maskMobile } from '../../../server/shared/phones.js';

describe('dates', () => {
  it('stores UTC and shows Asia/Kolkata', () => {
    const t = DateTime.fromISO('2026-11-22T20:00:00', { zone: 'Asia/Kolkata' });
    expect(toDbTime(t)).to.equal('2026-11-22 14:30:00.000');
    expect(formatIst('2026-11-22 14:30:00.000', 'en')).to.equal('22 November 2026, 8:00 pm');
    expect(fromDbTime('2026-11-22 14:30:00.000')!.toISO()).to.equal('2026-11-22T14:30:00.000Z');
  });

  it('knows the Indian calendar day of a late-evening UTC time', () => {
    expect(istDay(DateTime.fromISO('2026-11-22T19:00:00Z'))).to.equal('2026-11-23');
  });

  it('writes dates in Hindi for Hindi pages', () => {
    expect(formatIst('2026-11-22 04:30:00.000', 'hi', 'date')).to.equal('22 नवंबर 2026');
  });
});

describe('mobile masking', () => {
  it('shows only the first two and last two digits', () => {
    expect(maskMobile('+919876543212')).to.equal('98xxxxxx12');
    expect(maskMobile(null)).to.equal('');
  });
});
