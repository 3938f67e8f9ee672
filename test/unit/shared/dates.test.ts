import { expect } from 'chai';
import { DateTime } from 'luxon';
import { formatIst, fromDbTime, IST, toDbTime, istDay } from '../../../server/shared/dates.js';
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

  it('agrees with the IANA zone Asia/Kolkata on every instant from 1950 to 2100', () => {
    // One instant every 7 hours and 13 minutes walks through every hour of the day and every season.
    const end = DateTime.fromISO('2100-01-01T00:00:00Z').toMillis();
    for (let ms = DateTime.fromISO('1950-01-01T00:00:00Z').toMillis(); ms < end; ms += 26_000_000 * 997) {
      const t = DateTime.fromMillis(ms, { zone: 'utc' });
      expect(t.setZone(IST).toISO(), t.toISO()!).to.equal(t.setZone('Asia/Kolkata').toISO());
    }
  });

  it('stores and reads times exactly as luxon formats and parses them', () => {
    for (const iso of ['2026-11-22T14:30:00.000Z', '1999-12-31T23:59:59.999Z', '2024-02-29T00:00:00.001Z']) {
      const t = DateTime.fromISO(iso, { zone: 'utc' });
      const stored = toDbTime(t);
      expect(stored).to.equal(t.toFormat('yyyy-MM-dd HH:mm:ss.SSS'));
      expect(toDbTime(t.toJSDate())).to.equal(stored);
      expect(fromDbTime(stored)!.toMillis()).to.equal(t.toMillis());
    }
    expect(fromDbTime('2026-11-22T14:30:00')!.toISO()).to.equal('2026-11-22T14:30:00.000Z');
    expect(fromDbTime('2026-11-22 14:30:00.5')!.toMillis()).to.equal(
      DateTime.fromISO('2026-11-22T14:30:00.500Z').toMillis(),
    );
    expect(fromDbTime('2026-02-31 10:00:00.000')!.isValid).to.equal(false);
    expect(fromDbTime(null)).to.equal(null);
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
