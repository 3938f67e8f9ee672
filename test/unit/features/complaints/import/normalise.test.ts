// Unit tests for the value normalisers: Hindi digits, Indian date forms, Excel serials, mobile numbers.
import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  isIndianMobileUncached,
  matchKey,
  parseIndianMobile,
  parseIstDate,
  toAsciiDigits,
  type Normalised,
} from '../../../../../server/features/complaints/import/normalise.js';

const iso = (r: Normalised<Date>) => (r.ok ? r.value.toISOString() : `failed: ${r.reason}`);
const reason = <T>(r: Normalised<T>) => (r.ok ? 'ok' : r.reason);

describe('import normalisers', () => {
  describe('toAsciiDigits', () => {
    it('turns Devanagari digits into ASCII and leaves everything else', () => {
      expect(toAsciiDigits('०१२३४५६७८९')).to.equal('0123456789');
      expect(toAsciiDigits('दिनांक १५/०१/२०२५')).to.equal('दिनांक 15/01/2025');
      expect(toAsciiDigits('plain 42')).to.equal('plain 42');
    });
  });

  describe('matchKey', () => {
    it('ignores case, spaces and punctuation', () => {
      expect(matchKey(' Mobile_No. ')).to.equal(matchKey('mobile no'));
      expect(matchKey('REFERENCE-NO')).to.equal(matchKey('Reference No'));
    });
    it('folds Devanagari spellings written interchangeably', () => {
      expect(matchKey('ज़िला')).to.equal(matchKey('जिला')); // nukta
      expect(matchKey('\u091c\u093c\u093f\u0932\u093e')).to.equal(matchKey('\u095b\u093f\u0932\u093e')); // decomposed vs precomposed
      expect(matchKey('झाँसी')).to.equal(matchKey('झांसी')); // chandrabindu vs anusvara
      expect(matchKey('कौशाम्बी')).to.equal(matchKey('कौशांबी')); // half nasal vs anusvara
      expect(matchKey('सन्दर्भ संख्या')).to.equal(matchKey('संदर्भ संख्या'));
    });
  });

  describe('parseIstDate', () => {
    it('reads dd/MM/yyyy and dd-MM-yyyy as midnight in Kolkata', () => {
      expect(iso(parseIstDate('15/01/2025'))).to.equal('2025-01-14T18:30:00.000Z');
      expect(iso(parseIstDate('15-01-2025'))).to.equal('2025-01-14T18:30:00.000Z');
      expect(iso(parseIstDate('15.01.2025'))).to.equal('2025-01-14T18:30:00.000Z');
      expect(iso(parseIstDate('5/1/2025'))).to.equal('2025-01-04T18:30:00.000Z');
    });

    it('reads a time with minutes, seconds and AM/PM', () => {
      expect(iso(parseIstDate('15-01-2025 14:05'))).to.equal('2025-01-15T08:35:00.000Z');
      expect(iso(parseIstDate('15/01/2025 14:05:30'))).to.equal('2025-01-15T08:35:30.000Z');
      expect(iso(parseIstDate('15/01/2025 02:05 PM'))).to.equal('2025-01-15T08:35:00.000Z');
      expect(iso(parseIstDate('15/01/2025 12:10 am'))).to.equal('2025-01-14T18:40:00.000Z');
    });

    it('reads Devanagari digits', () => {
      expect(iso(parseIstDate('१५/०१/२०२५ १४:०५'))).to.equal('2025-01-15T08:35:00.000Z');
    });

    it('reads ISO dates; an explicit offset wins over Kolkata', () => {
      expect(iso(parseIstDate('2025-01-15'))).to.equal('2025-01-14T18:30:00.000Z');
      expect(iso(parseIstDate('2025-01-15T14:05:00'))).to.equal('2025-01-15T08:35:00.000Z');
      expect(iso(parseIstDate('2025-01-15 14:05:00.250'))).to.equal('2025-01-15T08:35:00.250Z');
      expect(iso(parseIstDate('2025-01-15T08:35:00Z'))).to.equal('2025-01-15T08:35:00.000Z');
      expect(iso(parseIstDate('2025-01-15T14:05:00+05:30'))).to.equal('2025-01-15T08:35:00.000Z');
    });

    it('reads month names as Excel writes them', () => {
      expect(iso(parseIstDate('15-Jan-2025'))).to.equal('2025-01-14T18:30:00.000Z');
      expect(iso(parseIstDate('15 January 2025 14:05'))).to.equal('2025-01-15T08:35:00.000Z');
    });

    it('reads Excel serial numbers, as numbers and as text', () => {
      // 45672 is 2025-01-15 in Excel's 1900 date system; .5 is noon.
      expect(iso(parseIstDate(45672))).to.equal('2025-01-14T18:30:00.000Z');
      expect(iso(parseIstDate(45672.5))).to.equal('2025-01-15T06:30:00.000Z');
      expect(iso(parseIstDate('45672.586806'))).to.equal('2025-01-15T08:35:00.000Z');
    });

    it('reads XLSX date cells, whose UTC fields hold the wall clock', () => {
      expect(iso(parseIstDate(new Date(Date.UTC(2025, 0, 15, 14, 5))))).to.equal('2025-01-15T08:35:00.000Z');
      // exceljs' serial arithmetic can land a millisecond off; we round to the second.
      expect(iso(parseIstDate(new Date(Date.UTC(2025, 0, 15, 14, 4, 59, 999))))).to.equal(
        '2025-01-15T08:35:00.000Z',
      );
    });

    it('agrees with luxon on Asia/Kolkata across the years we accept', () => {
      for (let year = 2000; year <= 2099; year += 7) {
        for (const [month, day, hour] of [
          [1, 1, 0],
          [2, 28, 23],
          [6, 15, 12],
          [12, 31, 5],
        ]) {
          const text = `${day}/${month}/${year} ${hour}:30`;
          const expected = DateTime.fromObject(
            { year, month, day, hour, minute: 30 },
            { zone: 'Asia/Kolkata' },
          );
          expect(iso(parseIstDate(text)), text).to.equal(expected.toUTC().toISO());
        }
      }
    });

    it('refuses impossible dates and times', () => {
      for (const text of [
        '31/02/2025',
        '29/02/2025',
        '15/13/2025',
        '32/01/2025',
        '15/01/2025 24:00',
        '15/01/2025 10:60',
      ]) {
        expect(reason(parseIstDate(text)), text).to.equal('import.error.badDate');
      }
      expect(reason(parseIstDate('29/02/2024'))).to.equal('ok');
    });

    it('refuses text that is not a date', () => {
      for (const text of ['कल', 'N/A', '2025/13/45', '15012025', '']) {
        expect(reason(parseIstDate(text)), text).to.equal('import.error.badDate');
      }
      expect(reason(parseIstDate(new Date(Number.NaN)))).to.equal('import.error.badDate');
    });

    it('refuses dates outside 2000–2099 as typos', () => {
      expect(reason(parseIstDate('01/01/1899'))).to.equal('import.error.dateOutOfRange');
      expect(reason(parseIstDate('15/01/2205'))).to.equal('import.error.dateOutOfRange');
      expect(reason(parseIstDate(12))).to.equal('import.error.dateOutOfRange');
      expect(reason(parseIstDate(new Date(Date.UTC(1990, 0, 1))))).to.equal('import.error.dateOutOfRange');
    });
  });

  describe('parseIndianMobile', () => {
    const e164 = (value: string | number) => {
      const r = parseIndianMobile(value);
      return r.ok ? r.value : `failed: ${r.reason}`;
    };

    it('accepts every usual way of writing an Indian mobile', () => {
      for (const form of [
        '9876543210',
        '+919876543210',
        '+91 98765 43210',
        '+91-98765-43210',
        '91 9876543210',
        '919876543210',
        '09876543210',
        '0091 98765 43210',
        '98765-43210',
        '(+91) 98765.43210',
        ' 98765 43210 ',
        '९८७६५४३२१०',
        '+९१ ९८७६५ ४३२१०',
      ]) {
        expect(e164(form), form).to.equal('+919876543210');
      }
    });

    it('accepts a number cell from XLSX', () => {
      expect(e164(9876543210)).to.equal('+919876543210');
      expect(e164(919876543210)).to.equal('+919876543210');
    });

    it('takes the fictitious 70000 block used by synthetic exports as valid mobiles', () => {
      expect(e164('7000000000')).to.equal('+917000000000');
      expect(e164('7000099999')).to.equal('+917000099999');
    });

    it('refuses landlines as not a mobile', () => {
      expect(reason(parseIndianMobile('0512 2345678'))).to.equal('import.error.notMobile');
      expect(reason(parseIndianMobile('0522-2612345'))).to.equal('import.error.notMobile');
    });

    it('refuses wrong lengths, other countries and text', () => {
      for (const form of [
        '12345',
        '98765 4321',
        '98765432101',
        '+1 202 555 0143',
        '+44 7700 900123',
        'नहीं है',
      ]) {
        expect(reason(parseIndianMobile(form)), form).to.equal('import.error.badMobile');
      }
      expect(reason(parseIndianMobile(new Date()))).to.equal('import.error.badMobile');
    });

    it('decides mobile validity on five leading digits, as the prefix cache assumes', () => {
      // Guards the cache in normalise.ts against a libphonenumber metadata update breaking the assumption.
      const broken: string[] = [];
      for (let prefix = 60000; prefix <= 99999; prefix++) {
        const first = isIndianMobileUncached(`${prefix}00000`);
        if (
          isIndianMobileUncached(`${prefix}54321`) !== first ||
          isIndianMobileUncached(`${prefix}99999`) !== first
        ) {
          broken.push(String(prefix));
        }
      }
      expect(broken).to.deep.equal([]);
    });
  });
});
