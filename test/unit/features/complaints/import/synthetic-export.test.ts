// Unit tests for the synthetic IGRS export: deterministic, realistic, and bad exactly where it says.
import fs from 'node:fs';
import { expect } from 'chai';
import { looksLikeHeaderRow, mapHeaders } from '../../../../../server/features/complaints/import/columns.js';
import {
  departmentMatcher,
  districtMatcher,
} from '../../../../../server/features/complaints/import/name-matcher.js';
import { openRowSource } from '../../../../../server/features/complaints/import/row-reader.js';
import { textOf } from '../../../../../server/features/complaints/import/raw-text.js';
import {
  BAD_ROW_KINDS,
  writeSyntheticExport,
  type BadRowKind,
  type SyntheticExportOptions,
} from '../../../../../server/features/complaints/import/synthetic-export.js';
import { createRowValidator } from '../../../../../server/features/complaints/import/validate-row.js';
import { DEPARTMENTS, DISTRICTS } from '../../../../../server/features/complaints/master-data.js';
import { tempPath } from './export-builders.js';

/** Reads a file back the way the importer will, and says which rows it found bad. */
async function readBack(file: string) {
  const source = await openRowSource(file, { isHeaderRow: looksLikeHeaderRow });
  const mapping = mapHeaders(source.headers);
  const validate = createRowValidator(mapping, {
    districts: districtMatcher(DISTRICTS),
    departments: departmentMatcher(DEPARTMENTS),
  });
  const seen = new Set<string>();
  const bad = new Map<number, string[]>();
  let rows = 0;
  let bytesOfText = 0;
  for await (const row of source.rows) {
    rows++;
    const result = validate(row);
    if (!result.ok)
      bad.set(
        row.rowNumber,
        result.errors.map((e) => e.reasonKey),
      );
    else {
      bytesOfText +=
        Buffer.byteLength(textOf(result.record.complaint_text) ?? '') +
        Buffer.byteLength(textOf(result.record.disposal_report) ?? '');
      // Duplicates are a file-level check (the DB step makes it); mimic it here.
      if (seen.has(result.record.reference_no)) bad.set(row.rowNumber, ['duplicate']);
      seen.add(result.record.reference_no);
    }
  }
  return { rows, bad, mapping, bytesOfText };
}

const EXPECTED_REASON: Record<BadRowKind, string> = {
  badDate: 'import.error.badDate|import.error.dateOutOfRange',
  badMobile: 'import.error.badMobile',
  landlineMobile: 'import.error.notMobile',
  missingReference: 'import.error.missingValue',
  missingMobile: 'import.error.missingValue',
  unknownDepartment: 'import.error.unknownDepartment',
  unknownDistrict: 'import.error.unknownDistrict',
  unknownStatus: 'import.error.unknownStatus',
  disposedBeforeReceived: 'import.error.disposedBeforeReceived',
  duplicateReference: 'duplicate',
};

describe('synthetic IGRS export', () => {
  it('writes the same file for the same seed, and another for another seed', async () => {
    const options: SyntheticExportOptions = { rows: 200, seed: 42, badShare: 0.2 };
    const a = tempPath('same-a.csv');
    const b = tempPath('same-b.csv');
    const c = tempPath('other.csv');
    await writeSyntheticExport(a, options);
    await writeSyntheticExport(b, options);
    await writeSyntheticExport(c, { ...options, seed: 43 });
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).to.equal(true);
    expect(fs.readFileSync(a).equals(fs.readFileSync(c))).to.equal(false);
  });

  for (const format of ['csv', 'xlsx'] as const) {
    it(`mixes in each kind of bad row where the summary says (${format})`, async () => {
      const file = tempPath(`mixed.${format}`);
      const summary = await writeSyntheticExport(file, {
        rows: 1200,
        seed: 7,
        badShare: 0.2,
        collectBadRows: true,
      });
      expect(summary.rows).to.equal(1200);
      for (const kind of BAD_ROW_KINDS) expect(summary.badRows[kind], kind).to.be.greaterThan(0);

      const { rows, bad, mapping } = await readBack(file);
      expect(rows).to.equal(1200);
      expect(mapping.missing).to.deep.equal([]);
      expect(mapping.extras).to.have.length(3);
      expect(bad.size).to.equal(1200 - summary.goodRows);
      for (const { row, kind } of summary.badRowList!) {
        const reasons = bad.get(row);
        expect(reasons, `row ${row} (${kind})`).to.have.length(1);
        expect(EXPECTED_REASON[kind].split('|'), `row ${row} (${kind})`).to.include(reasons![0]);
      }
    });
  }

  it('writes realistic rows of about 2 KB with Hindi texts and valid fictitious mobiles', async () => {
    const file = tempPath('clean.csv');
    const summary = await writeSyntheticExport(file, { rows: 500, seed: 3 });
    expect(summary.goodRows).to.equal(500);
    const bytesPerRow = fs.statSync(file).size / 500;
    expect(bytesPerRow).to.be.within(1800, 2600);
    const { bad, bytesOfText } = await readBack(file);
    expect(bad.size).to.equal(0);
    expect(bytesOfText / 500).to.be.greaterThan(1200);
  });

  it('writes tab-separated LF files without a BOM, and English headers, when asked', async () => {
    const file = tempPath('plain.tsv');
    await writeSyntheticExport(file, {
      rows: 20,
      seed: 5,
      delimiter: '\t',
      lineEnding: '\n',
      bom: false,
      headers: 'en',
      extraColumns: false,
    });
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('Reference No\tSource\t')).to.equal(true);
    expect(text.includes('\r\n')).to.equal(false);
    const { rows, bad, mapping } = await readBack(file);
    expect([rows, bad.size, mapping.extras.length]).to.deep.equal([20, 0, 0]);
  });

  it('keeps reference numbers independent of the seed, so a second export updates the same complaints', async () => {
    const fileA = tempPath('ref-a.csv');
    const fileB = tempPath('ref-b.csv');
    const first = await writeSyntheticExport(fileA, { rows: 5, seed: 1, headers: 'en' });
    const second = await writeSyntheticExport(fileB, { rows: 5, seed: 2, headers: 'en' });
    const refs = (file: string) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\r\n')
        .slice(1, 4)
        .map((line) => line.split(',')[0]);
    expect(refs(fileA)).to.deep.equal(refs(fileB));
    expect(first.rows + second.rows).to.equal(10);
  });
});
