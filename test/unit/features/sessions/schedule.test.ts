import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  proposeSessionDates,
  scheduleSettings,
} from '../../../../server/features/sessions/sessions.service.js';
import { IST } from '../../../../server/shared/dates.js';

describe('session schedule', () => {
  const day = (iso: string) => DateTime.fromISO(iso, { zone: IST });

  it('proposes the first working day of the first and third week of each month (Asia/Kolkata)', () => {
    // 1 Dec 2026 is a Tuesday; 15 Dec a Tuesday; 1 Jan 2027 a Friday; 15 Jan a Friday; 1 Feb a Monday.
    const dates = proposeSessionDates(
      day('2026-11-22'),
      day('2027-01-31'),
      scheduleSettings('{}'),
      new Set(),
    );
    expect(dates).to.deep.equal(['2026-12-01', '2026-12-15', '2027-01-01', '2027-01-15']);
  });

  it('skips holidays and past days, and follows a district’s own weeks and weekdays', () => {
    const settings = scheduleSettings('{"sessions":{"weeks":[2,4],"weekdays":[3]}}');
    expect(settings).to.deep.equal({ weeks: [2, 4], weekdays: [3] });
    const dates = proposeSessionDates(
      day('2026-12-10'),
      day('2026-12-31'),
      settings,
      new Set(['2026-12-23']),
    );
    // Week 2 (8–14): Wednesday the 9th is past; week 4 (22–28): Wednesday the 23rd is a holiday.
    expect(dates).to.deep.equal([]);
    expect(proposeSessionDates(day('2026-12-01'), day('2026-12-31'), settings, new Set())).to.deep.equal([
      '2026-12-09',
      '2026-12-23',
    ]);
  });

  it('falls back to the first and third week when the settings are missing or broken', () => {
    expect(scheduleSettings('not json')).to.deep.equal({ weeks: [1, 3], weekdays: [1, 2, 3, 4, 5] });
    expect(scheduleSettings('{"sessions":{"weeks":[9]}}').weeks).to.deep.equal([1, 3]);
  });
});
