// Unit tests for recognising export headers in Hindi and English, however they are spaced or punctuated.
import { expect } from 'chai';
import {
  columnForHeader,
  COLUMNS,
  looksLikeHeaderRow,
  mapHeaders,
  REQUIRED_COLUMNS,
} from '../../../../../server/features/complaints/import/columns.js';

describe('import columns', () => {
  it('knows the Hindi headers IGRS exports use', () => {
    expect(columnForHeader('शिकायत संख्या')).to.equal('reference_no');
    expect(columnForHeader('संदर्भ संख्या')).to.equal('reference_no');
    expect(columnForHeader('शिकायतकर्ता का नाम')).to.equal('complainant_name');
    expect(columnForHeader('मोबाइल नंबर')).to.equal('mobile');
    expect(columnForHeader('विभाग')).to.equal('department');
    expect(columnForHeader('निस्तारण आख्या')).to.equal('disposal_report');
    expect(columnForHeader('निस्तारण तिथि')).to.equal('disposed_at');
    expect(columnForHeader('जनपद')).to.equal('district');
    expect(columnForHeader('थाना')).to.equal('thana');
  });

  it('knows the English headers', () => {
    expect(columnForHeader('Reference No')).to.equal('reference_no');
    expect(columnForHeader('Complainant Name')).to.equal('complainant_name');
    expect(columnForHeader('Mobile Number')).to.equal('mobile');
    expect(columnForHeader('Disposal Date')).to.equal('disposed_at');
    expect(columnForHeader('Action Taken Report')).to.equal('disposal_report');
    expect(columnForHeader('Police Station')).to.equal('thana');
  });

  it('ignores case, spacing, punctuation and Unicode composition', () => {
    expect(columnForHeader('  REFERENCE_NO. ')).to.equal('reference_no');
    expect(columnForHeader('Mobile-No')).to.equal('mobile');
    expect(columnForHeader('मोबाइल   नंबर')).to.equal('mobile');
    expect(columnForHeader('मो० नं०')).to.equal('mobile');
    expect(columnForHeader('सन्दर्भ संख्या')).to.equal('reference_no');
    expect(columnForHeader('ज़िला')).to.equal('district');
    expect(columnForHeader('शिकायत संख्या'.normalize('NFD'))).to.equal('reference_no');
  });

  it('gives every spelling to exactly one column', () => {
    for (const spec of COLUMNS) {
      for (const name of [spec.labelEn, spec.labelHi, ...spec.aliases]) {
        expect(columnForHeader(name), name).to.equal(spec.key);
      }
    }
  });

  it('requires reference, disposal date, mobile, district and department', () => {
    expect([...REQUIRED_COLUMNS].sort()).to.deep.equal(
      ['department', 'disposed_at', 'district', 'mobile', 'reference_no'].sort(),
    );
  });

  it('maps a header row, keeping unknown columns as extras', () => {
    const mapping = mapHeaders([
      'शिकायत संख्या',
      'Mobile No.',
      'निस्तारण तिथि',
      'जनपद',
      'विभाग',
      'फीडबैक स्थिति',
      'L2 Officer',
    ]);
    expect(mapping.columns).to.deep.equal({
      reference_no: 'शिकायत संख्या',
      mobile: 'Mobile No.',
      disposed_at: 'निस्तारण तिथि',
      district: 'जनपद',
      department: 'विभाग',
    });
    expect(mapping.extras).to.deep.equal(['फीडबैक स्थिति', 'L2 Officer']);
    expect(mapping.missing).to.deep.equal([]);
  });

  it('names the required columns a file lacks', () => {
    const mapping = mapHeaders(['शिकायत संख्या', 'शिकायतकर्ता का नाम', 'विभाग']);
    expect(mapping.missing).to.deep.equal(['disposed_at', 'mobile', 'district']);
  });

  it('uses the first of two headers for one column and keeps the second as extra data', () => {
    const mapping = mapHeaders(['Mobile', 'मोबाइल नंबर', 'Reference No']);
    expect(mapping.columns.mobile).to.equal('Mobile');
    expect(mapping.duplicates).to.deep.equal([{ column: 'mobile', headers: ['Mobile', 'मोबाइल नंबर'] }]);
    expect(mapping.extras).to.deep.equal(['मोबाइल नंबर']);
  });

  it('tells a header row from a title line', () => {
    expect(looksLikeHeaderRow(['जनपद कानपुर नगर — निस्तारित शिकायतें', '', ''])).to.equal(false);
    expect(looksLikeHeaderRow(['क्रमांक', 'शिकायत संख्या', 'मोबाइल नंबर', 'विभाग'])).to.equal(true);
  });
});
