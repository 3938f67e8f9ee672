// Unit tests for checking one export row: the clean record it becomes, or every bad cell in it.
import { expect } from 'chai';
import { mapHeaders } from '../../../../../server/features/complaints/import/columns.js';
import {
  departmentMatcher,
  districtMatcher,
} from '../../../../../server/features/complaints/import/name-matcher.js';
import type { RawRow } from '../../../../../server/features/complaints/import/row-reader.js';
import {
  createRowValidator,
  statusFromText,
  validateRow,
  type ComplaintRecord,
  type RowResult,
} from '../../../../../server/features/complaints/import/validate-row.js';
import { DEPARTMENTS, DISTRICTS } from '../../../../../server/features/complaints/master-data.js';
import { aRawRow, EN_HEADERS, EN_MAPPING } from './export-builders.js';

function record(result: RowResult): ComplaintRecord {
  if (!result.ok) throw new Error(`expected a record, got ${JSON.stringify(result.errors)}`);
  return result.record;
}

function errors(result: RowResult) {
  if (result.ok) throw new Error('expected errors, got a record');
  return result.errors.map((e) => [e.column, e.reasonKey]);
}

const withMasters = createRowValidator(EN_MAPPING, {
  districts: districtMatcher(DISTRICTS),
  departments: departmentMatcher(DEPARTMENTS),
});

describe('import row validation', () => {
  it('turns a good row into a complaint record named like the complaints table', () => {
    const r = record(validateRow(aRawRow(), EN_MAPPING));
    expect(r).to.deep.include({
      reference_no: '40018725012345',
      source: 'मुख्यमंत्री हेल्पलाइन 1076',
      complainant_name: 'राम प्रकाश यादव',
      mobile: '+917000012345',
      address: 'ग्राम बिठूर, तहसील सदर, जनपद कानपुर नगर',
      district: 'कानपुर नगर',
      tehsil: 'सदर',
      block: 'कल्याणपुर',
      thana: 'कल्याणपुर',
      department: 'राजस्व विभाग',
      officer_name: 'सुरेश कुमार',
      officer_designation: 'तहसीलदार',
      subject: 'भूमि पर अवैध कब्जा',
      status: 'disposed',
      disposal_report: 'स्थलीय निरीक्षण कर कब्जा हटवा दिया गया।\nशिकायतकर्ता संतुष्ट है।',
    });
    expect(r.received_at!.toISOString()).to.equal('2025-10-01T04:45:00.000Z');
    expect(r.due_at!.toISOString()).to.equal('2025-10-30T18:30:00.000Z');
    expect(r.disposed_at.toISOString()).to.equal('2025-10-20T11:10:00.000Z');
    expect(r.extra).to.deep.equal({});
  });

  it('leaves empty optional cells as null', () => {
    const r = record(
      validateRow(
        aRawRow({
          source: undefined,
          received_at: undefined,
          due_at: undefined,
          subject: '  ',
          status: undefined,
        }),
        EN_MAPPING,
      ),
    );
    expect([r.source, r.received_at, r.due_at, r.subject]).to.deep.equal([null, null, null, null]);
    expect(r.status).to.equal('disposed');
  });

  it('reports every bad cell of a row, not just the first', () => {
    const result = validateRow(
      aRawRow(
        {
          reference_no: undefined,
          disposed_at: '31/02/2025',
          mobile: '0512 2345678',
          district: undefined,
          status: 'Forwarded',
        },
        17,
      ),
      EN_MAPPING,
    );
    expect(errors(result)).to.deep.equal([
      ['Reference No', 'import.error.missingValue'],
      ['Disposal Date', 'import.error.badDate'],
      ['District', 'import.error.missingValue'],
      ['Mobile No', 'import.error.notMobile'],
      ['Status', 'import.error.unknownStatus'],
    ]);
    expect(!result.ok && result.errors.every((e) => e.row === 17)).to.equal(true);
    expect(!result.ok && result.errors[1].params).to.deep.equal({ value: '31/02/2025' });
  });

  it('names the column as the file spells it', () => {
    const mapping = mapHeaders(['शिकायत संख्या', 'मोबाइल नंबर', 'निस्तारण तिथि', 'जनपद', 'विभाग']);
    const row: RawRow = {
      rowNumber: 5,
      cells: {
        'शिकायत संख्या': '1',
        'मोबाइल नंबर': '12345',
        'निस्तारण तिथि': '20/10/2025',
        जनपद: 'आगरा',
        विभाग: 'राजस्व',
      },
    };
    expect(errors(validateRow(row, mapping))).to.deep.equal([['मोबाइल नंबर', 'import.error.badMobile']]);
  });

  it('requires a value in every required column', () => {
    for (const key of ['reference_no', 'disposed_at', 'mobile', 'district', 'department'] as const) {
      const result = validateRow(aRawRow({ [key]: undefined }), EN_MAPPING);
      expect(result.ok ? [] : result.errors.map((e) => [e.field, e.reasonKey]), key).to.deep.equal([
        [key, 'import.error.missingValue'],
      ]);
    }
  });

  it('reads references from number cells and Hindi digits, and refuses odd ones', () => {
    expect(record(validateRow(aRawRow({ reference_no: 40018725012345 }), EN_MAPPING)).reference_no).to.equal(
      '40018725012345',
    );
    expect(
      record(validateRow(aRawRow({ reference_no: '४००१८७२५०१२३४५' }), EN_MAPPING)).reference_no,
    ).to.equal('40018725012345');
    expect(record(validateRow(aRawRow({ reference_no: 'PG/2025/0042' }), EN_MAPPING)).reference_no).to.equal(
      'PG/2025/0042',
    );
    expect(errors(validateRow(aRawRow({ reference_no: '4001 8725' }), EN_MAPPING))).to.deep.equal([
      ['Reference No', 'import.error.badReference'],
    ]);
    expect(errors(validateRow(aRawRow({ reference_no: '1'.repeat(41) }), EN_MAPPING))).to.deep.equal([
      ['Reference No', 'import.error.tooLong'],
    ]);
  });

  it('explains numbers that Excel turned into scientific notation', () => {
    const result = validateRow(aRawRow({ reference_no: '4.00187E+13', mobile: '9.87654E+09' }), EN_MAPPING);
    expect(errors(result)).to.deep.equal([
      ['Reference No', 'import.error.scientificNotation'],
      ['Mobile No', 'import.error.scientificNotation'],
    ]);
  });

  it('accepts every date form and XLSX date cells', () => {
    const at = (disposed_at: string | number | Date) =>
      record(validateRow(aRawRow({ disposed_at }), EN_MAPPING)).disposed_at.toISOString();
    expect(at('20-10-2025 16:40')).to.equal('2025-10-20T11:10:00.000Z');
    expect(at('२०/१०/२०२५ १६:४०')).to.equal('2025-10-20T11:10:00.000Z');
    expect(at('2025-10-20T16:40:00')).to.equal('2025-10-20T11:10:00.000Z');
    expect(at(45950.694444)).to.equal('2025-10-20T11:10:00.000Z');
    expect(at(new Date(Date.UTC(2025, 9, 20, 16, 40)))).to.equal('2025-10-20T11:10:00.000Z');
  });

  it('refuses a disposal dated before the complaint was received', () => {
    expect(
      errors(validateRow(aRawRow({ received_at: '21/10/2025', disposed_at: '20/10/2025' }), EN_MAPPING)),
    ).to.deep.equal([['Disposal Date', 'import.error.disposedBeforeReceived']]);
    // The same day is fine even when only the receipt has a time.
    expect(
      validateRow(aRawRow({ received_at: '20/10/2025 18:00', disposed_at: '20/10/2025' }), EN_MAPPING).ok,
    ).to.equal(true);
  });

  it('reports a bad date in an optional column too', () => {
    expect(errors(validateRow(aRawRow({ due_at: 'जल्द' }), EN_MAPPING))).to.deep.equal([
      ['Due Date', 'import.error.badDate'],
    ]);
  });

  it('maps statuses written in Hindi or English', () => {
    expect(statusFromText('निस्तारित')).to.equal('disposed');
    expect(statusFromText('Disposed')).to.equal('disposed');
    expect(statusFromText('स्पेशल क्लोज')).to.equal('special_closed');
    expect(statusFromText('Re-Opened')).to.equal('reopened');
    expect(statusFromText('लम्बित')).to.equal('pending');
    expect(statusFromText('डिफॉल्टर')).to.equal('defaulter');
    expect(statusFromText('C-Grade')).to.equal('c_grade');
    expect(statusFromText('Forwarded')).to.equal(undefined);
  });

  it('keeps unknown columns and stray cells as extra data', () => {
    const mapping = mapHeaders([...EN_HEADERS, 'फीडबैक स्थिति', 'L2 Officer']);
    const row = aRawRow({}, 2, { 'फीडबैक स्थिति': ' संतुष्ट ', 'L2 Officer': 'अपर जिलाधिकारी' });
    row.overflow = { 'Column X': 'stray' };
    expect(record(createRowValidator(mapping)(row)).extra).to.deep.equal({
      'फीडबैक स्थिति': 'संतुष्ट',
      'L2 Officer': 'अपर जिलाधिकारी',
      'Column X': 'stray',
    });
  });

  it('refuses values longer than the table holds', () => {
    expect(errors(validateRow(aRawRow({ subject: 'क'.repeat(501) }), EN_MAPPING))).to.deep.equal([
      ['Subject', 'import.error.tooLong'],
    ]);
    // TEXT holds 65,535 bytes: 22,000 Devanagari letters are 66,000 bytes.
    expect(errors(validateRow(aRawRow({ complaint_text: 'क'.repeat(22_000) }), EN_MAPPING))).to.deep.equal([
      ['Complaint Details', 'import.error.tooLong'],
    ]);
    expect(validateRow(aRawRow({ complaint_text: 'a'.repeat(60_000) }), EN_MAPPING).ok).to.equal(true);
  });

  it('writes line breaks inside texts as LF', () => {
    expect(
      record(validateRow(aRawRow({ disposal_report: 'एक\r\nदो\rतीन' }), EN_MAPPING)).disposal_report,
    ).to.equal('एक\nदो\nतीन');
  });

  describe('with the master lists', () => {
    it('matches district and department names in Hindi, English and common spellings', () => {
      const cases: [string, string, string, string][] = [
        ['कानपुर नगर', 'राजस्व विभाग', 'kanpur-nagar', 'revenue'],
        ['Kanpur Nagar', 'Revenue Department', 'kanpur-nagar', 'revenue'],
        ['जनपद कानपुर नगर', 'Revenue Dept.', 'kanpur-nagar', 'revenue'],
        ['Allahabad', 'नगर निगम', 'prayagraj', 'municipal-corporation'],
        ['कौशांबी', 'PWD', 'kaushambi', 'public-works'],
        ['झाँसी', 'Food and Civil Supplies', 'jhansi', 'food-civil-supplies'],
        ['LUCKNOW', 'UP Police', 'lucknow', 'police'],
      ];
      for (const [district, department, districtCode, departmentCode] of cases) {
        const r = record(withMasters(aRawRow({ district, department })));
        expect([r.district_code, r.department_code], `${district} / ${department}`).to.deep.equal([
          districtCode,
          departmentCode,
        ]);
        expect([r.district, r.department]).to.deep.equal([district, department]);
      }
    });

    it('reports unknown districts and departments instead of inventing them', () => {
      const result = withMasters(aRawRow({ district: 'पटना', department: 'अंतरिक्ष अनुसंधान विभाग' }));
      expect(errors(result)).to.deep.equal([
        ['District', 'import.error.unknownDistrict'],
        ['Department', 'import.error.unknownDepartment'],
      ]);
    });
  });
});
