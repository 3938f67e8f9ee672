// The explanation deadline is counted in whole days in Asia/Kolkata.
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { explanationDeadline } from '../../../../server/features/review/reason-codes.js';

describe('explanationDeadline', () => {
  it('ends at midnight IST of the third day after the demand', () => {
    // 22 Nov 11:30 UTC = 17:00 IST on the 22nd; +3 days → 25 Nov 23:59:59.999 IST = 25 Nov 18:29:59.999 UTC.
    const due = explanationDeadline(DateTime.fromISO('2026-11-22T11:30:00Z'), 3);
    expect(due.toISO()).to.equal('2026-11-25T18:29:59.999Z');
  });

  it('counts the Indian day, not the UTC one, late in the evening', () => {
    // 22 Nov 20:00 UTC is already 23 Nov 01:30 IST: the three days start on the 23rd → due end of 26 Nov IST.
    const due = explanationDeadline(DateTime.fromISO('2026-11-22T20:00:00Z'), 3);
    expect(due.toISO()).to.equal('2026-11-26T18:29:59.999Z');
  });
});
