// Packing prepared rows into one string between threads gives back the same rows, or declines.
import { expect } from 'chai';
import { packRows, unpackRows } from '../../../../../server/features/complaints/import/chunk-codec.js';
import type { PreparedRow } from '../../../../../server/features/complaints/import/read-export.js';

function aPreparedRow(overrides: Partial<PreparedRow['write']> = {}, officer = true): PreparedRow {
  const write = {
    reference_no: '40018725012345',
    source: 'IGRS',
    received_at: '2025-10-01 04:45:00.000',
    due_at: null,
    disposed_at: '2025-10-20 11:10:00.000',
    complainant_name: 'राम',
    mobile: '+919876543210',
    address: 'ग्राम, पोस्ट\nतहसील',
    district_id: 43,
    tehsil: null,
    block: '',
    thana: 'बर्रा',
    department_id: 7,
    officer_id: null,
    subject: 'विषय',
    complaint_text: 'शिकायत "उद्धरण", अल्पविराम',
    disposal_report: null,
    status: 'disposed',
    redisposed: false,
    extra: '{"फीडबैक स्थिति":"संतुष्ट"}',
    content_hash: 'ab'.repeat(32),
    import_batch_id: 12,
    ...overrides,
  };
  return {
    reference: write.reference_no as string,
    hash: write.content_hash as string,
    write,
    officer: officer ? { district_id: 43, department_id: 7, name: 'सुरेश कुमार', designation: '—' } : null,
  };
}

describe('import chunk codec', () => {
  it('round-trips rows, nulls and empty texts included, with the same column order', () => {
    const rows = [
      aPreparedRow(),
      aPreparedRow({ reference_no: 'A-2', content_hash: 'cd'.repeat(32) }, false),
    ];
    rows[1]!.reference = 'A-2';
    rows[1]!.hash = 'cd'.repeat(32);
    const packed = packRows(rows);
    expect(packed).to.be.a('string');
    const back = unpackRows(packed!);
    expect(back).to.deep.equal(rows);
    expect(Object.keys(back[0]!.write)).to.deep.equal(Object.keys(rows[0]!.write));
    expect(unpackRows(packRows([])!)).to.deep.equal([]);
  });

  it('declines rows holding its marker characters, which then travel as they are', () => {
    expect(packRows([aPreparedRow({ complaint_text: 'a\u0000b' })])).to.equal(null);
    expect(packRows([aPreparedRow({ address: '\u0001' })])).to.equal(null);
    const officer = aPreparedRow();
    officer.officer!.name = 'x\u0000';
    expect(packRows([officer])).to.equal(null);
  });
});
