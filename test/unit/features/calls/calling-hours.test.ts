// Calling hours and the spacing of retries over parts of the day, in India time.
import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  DEFAULT_QUEUE_SETTINGS,
  dayPart,
  nextAttemptAt,
  withinCallingHours,
} from '../../../../server/features/calls/calling-hours.js';
import { IST } from '../../../../server/shared/dates.js';

const ist = (s: string) => DateTime.fromISO(s, { zone: IST });
const hours = DEFAULT_QUEUE_SETTINGS.callingHours;

describe('calling hours', () => {
  it('allows 09:00 up to, not including, 19:00 India time', () => {
    expect(withinCallingHours(ist('2026-11-23T08:59'), hours)).to.equal(false);
    expect(withinCallingHours(ist('2026-11-23T09:00'), hours)).to.equal(true);
    expect(withinCallingHours(ist('2026-11-23T18:59'), hours)).to.equal(true);
    expect(withinCallingHours(ist('2026-11-23T19:00'), hours)).to.equal(false);
  });

  it('puts the next attempt at least two hours later, in a part of the day not tried yet', () => {
    const now = ist('2026-11-23T09:30');
    const next = nextAttemptAt(now, [now], DEFAULT_QUEUE_SETTINGS);
    expect(next.diff(now, 'minutes').minutes).to.be.at.least(120);
    expect(dayPart(next, hours)).to.not.equal(dayPart(now, hours));
  });

  it('moves an attempt that would fall after hours to the next morning', () => {
    const now = ist('2026-11-23T17:30');
    const next = nextAttemptAt(now, [ist('2026-11-23T10:00'), now], DEFAULT_QUEUE_SETTINGS).setZone(IST);
    expect(next.toISODate()).to.equal('2026-11-24');
    expect(withinCallingHours(next, hours)).to.equal(true);
    expect(dayPart(next, hours)).to.equal(1); // morning and evening were tried; midday is left
  });
});
