// Unit tests for reading exports: CSV quirks, XLSX sheets and cell types, row numbers, refused files.
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { looksLikeHeaderRow } from '../../../../../server/features/complaints/import/columns.js';
import {
  columnName,
  ImportFileError,
  openRowSource,
  type RawRow,
  type RowSourceOptions,
} from '../../../../../server/features/complaints/import/row-reader.js';
import { csvLine, tempPath, writeTemp, writeXlsx } from './export-builders.js';

async function readAll(file: string, options?: RowSourceOptions) {
  const source = await openRowSource(file, options);
  const rows: RawRow[] = [];
  for await (const row of source.rows) rows.push(row);
  return { source, rows };
}

async function refusal(file: string, options?: RowSourceOptions): Promise<ImportFileError> {
  try {
    await readAll(file, options);
  } catch (error) {
    expect(error).to.be.instanceOf(ImportFileError);
    return error as ImportFileError;
  }
  throw new Error(`${file} was read, but should have been refused`);
}

const HEADER = ['शिकायत संख्या', 'मोबाइल नंबर', 'निस्तारण आख्या'];

describe('import row reader', () => {
  describe('CSV', () => {
    it('reads UTF-8 with a BOM, and without', async () => {
      for (const bom of ['\ufeff', '']) {
        const file = writeTemp(
          `bom-${bom.length}.csv`,
          `${bom}${HEADER.join(',')}\r\n101,9876543210,ठीक\r\n`,
        );
        const { source, rows } = await readAll(file);
        expect(source.format).to.equal('csv');
        expect(source.headers).to.deep.equal(HEADER);
        expect(rows).to.deep.equal([
          {
            rowNumber: 2,
            line: 2,
            cells: { 'शिकायत संख्या': '101', 'मोबाइल नंबर': '9876543210', 'निस्तारण आख्या': 'ठीक' },
          },
        ]);
      }
    });

    it('detects tab-separated files from the header line', async () => {
      const file = writeTemp('tabs.csv', `${HEADER.join('\t')}\n101\t98765, 43210\tरिपोर्ट, संलग्न\n`);
      const { rows } = await readAll(file);
      expect(rows[0].cells).to.deep.equal({
        'शिकायत संख्या': '101',
        'मोबाइल नंबर': '98765, 43210',
        'निस्तारण आख्या': 'रिपोर्ट, संलग्न',
      });
    });

    it('reads LF and CRLF line endings alike', async () => {
      const body = [HEADER, ['1', 'a', 'b'], ['2', 'c', 'd']];
      for (const eol of ['\n', '\r\n']) {
        const file = writeTemp(`eol-${eol.length}.csv`, body.map((r) => r.join(',')).join(eol) + eol);
        const { rows } = await readAll(file);
        expect(rows.map((r) => [r.rowNumber, r.cells['शिकायत संख्या'], r.cells['निस्तारण आख्या']])).to.deep.equal(
          [
            [2, '1', 'b'],
            [3, '2', 'd'],
          ],
        );
      }
    });

    it('keeps line breaks, commas and doubled quotes inside quoted cells', async () => {
      const report = 'जांच की गई, "सही" पाया गया।\r\nशिकायतकर्ता संतुष्ट।\r\n\r\nइति।';
      const file = writeTemp(
        'quoted.csv',
        [csvLine(HEADER), csvLine(['1', '9876543210', report]), csvLine(['2', 'x', 'y'])].join('\r\n'),
      );
      const { rows } = await readAll(file);
      expect(rows[0].cells['निस्तारण आख्या']).to.equal(report);
      expect(rows[1].cells['शिकायत संख्या']).to.equal('2');
    });

    it('numbers rows as a spreadsheet shows them, and lines as a text editor does', async () => {
      const text = [
        csvLine(HEADER), // row 1, line 1
        csvLine(['1', 'a', 'two\nlines']), // row 2, lines 2–3
        '', // row 3 (blank), line 4
        csvLine(['3', 'b', 'c']), // row 4, line 5
        ',,', // row 5: empty cells only, skipped
        csvLine(['5', 'd', 'three\nmore\nlines']), // row 6, lines 7–9
        csvLine(['6', 'e', 'f']), // row 7, line 10 (no final line break)
      ].join('\n');
      const { rows } = await readAll(writeTemp('numbering.csv', text));
      expect(rows.map((r) => [r.cells['शिकायत संख्या'], r.rowNumber, r.line])).to.deep.equal([
        ['1', 2, 2],
        ['3', 4, 5],
        ['5', 6, 7],
        ['6', 7, 10],
      ]);
    });

    it('leaves empty cells out and fills short rows with nothing', async () => {
      const file = writeTemp('short.csv', `${HEADER.join(',')}\n101,,\n102\n`);
      const { rows } = await readAll(file);
      expect(rows.map((r) => r.cells)).to.deep.equal([{ 'शिकायत संख्या': '101' }, { 'शिकायत संख्या': '102' }]);
    });

    it('keeps cells beyond the last header under a column letter', async () => {
      const file = writeTemp('overflow.csv', `${HEADER.join(',')}\n101,9876543210,ok,stray,,late\n`);
      const { rows } = await readAll(file);
      expect(rows[0].overflow).to.deep.equal({ 'Column D': 'stray', 'Column F': 'late' });
    });

    it('names blank headers by column letter and tells repeated headers apart', async () => {
      const file = writeTemp('names.csv', `शिकायत संख्या,,Remarks,Remarks\n1,x,y,z\n`);
      const { source, rows } = await readAll(file);
      expect(source.headers).to.deep.equal(['शिकायत संख्या', 'Column B', 'Remarks', 'Remarks (2)']);
      expect(rows[0].cells).to.deep.equal({
        'शिकायत संख्या': '1',
        'Column B': 'x',
        Remarks: 'y',
        'Remarks (2)': 'z',
      });
      expect(columnName(27)).to.equal('Column AB');
    });

    it('skips title lines above the header when asked to look for it', async () => {
      const text = `जनपद कानपुर नगर — निस्तारित शिकायतें\n\n${HEADER.join(',')}\n101,9876543210,ok\n`;
      const { source, rows } = await readAll(writeTemp('title.csv', text), {
        isHeaderRow: looksLikeHeaderRow,
      });
      expect(source.headers).to.deep.equal(HEADER);
      expect(source.headerRowNumber).to.equal(3);
      expect(rows.map((r) => r.rowNumber)).to.deep.equal([4]);
    });

    it('falls back to the first row as header when none looks like one', async () => {
      const text = `a,b,c\n1,2,3\n`;
      const { source, rows } = await readAll(writeTemp('noheader.csv', text), {
        isHeaderRow: looksLikeHeaderRow,
      });
      expect(source.headers).to.deep.equal(['a', 'b', 'c']);
      expect(rows).to.have.length(1);
    });

    it('reads Excel "Unicode Text" (UTF-16LE, tabs)', async () => {
      const body = Buffer.from(`${HEADER.join('\t')}\r\n101\t९८७६५४३२१०\tठीक\r\n`, 'utf16le');
      const { rows } = await readAll(
        writeTemp('unicode.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), body])),
      );
      expect(rows[0].cells).to.deep.equal({
        'शिकायत संख्या': '101',
        'मोबाइल नंबर': '९८७६५४३२१०',
        'निस्तारण आख्या': 'ठीक',
      });
    });

    it('stops cleanly when the reader is left early', async () => {
      const lines = [HEADER.join(',')];
      for (let i = 0; i < 5000; i++) lines.push(`${i},9876543210,ok`);
      const source = await openRowSource(writeTemp('early.csv', lines.join('\n')));
      let n = 0;
      for await (const _row of source.rows) if (++n === 3) break;
      expect(n).to.equal(3);
      source.close();
    });
  });

  describe('refused files', () => {
    it('refuses an empty file', async () => {
      expect((await refusal(writeTemp('empty.csv', ''))).key).to.equal('import.error.emptyFile');
    });

    it('refuses a file with only a BOM, blank lines or empty cells', async () => {
      expect((await refusal(writeTemp('bom-only.csv', '\ufeff'))).key).to.equal('import.error.emptyFile');
      expect((await refusal(writeTemp('blank.csv', '\r\n\r\n  \r\n'))).key).to.equal(
        'import.error.emptyFile',
      );
      expect((await refusal(writeTemp('commas.csv', ',,,\r\n,,,\r\n'))).key).to.equal(
        'import.error.emptyFile',
      );
    });

    it('refuses a binary file that is neither CSV nor XLSX', async () => {
      const png = Buffer.from([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
      ]);
      expect((await refusal(writeTemp('photo.csv', png))).key).to.equal('import.error.unknownFormat');
      const pdf = Buffer.concat([
        Buffer.from('%PDF-1.7\n'),
        Buffer.from([0xe2, 0xe3, 0xcf, 0xd3, 0x00, 0x0a]),
      ]);
      expect((await refusal(writeTemp('letter.xlsx', pdf))).key).to.equal('import.error.unknownFormat');
    });

    it('refuses text that is not UTF-8 (e.g. a legacy Windows code page)', async () => {
      const latin1 = Buffer.from('Reference No,Name\n1,Ram\xe9\n', 'latin1');
      expect((await refusal(writeTemp('latin1.csv', latin1))).key).to.equal('import.error.unknownFormat');
    });

    it('refuses the old binary .xls format with its own message', async () => {
      const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
      expect((await refusal(writeTemp('old.xls', xls))).key).to.equal('import.error.legacyXls');
    });

    it('refuses a ZIP that is not a workbook', async () => {
      // A ZIP local-file header, then garbage: looks like XLSX by its first bytes only.
      const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 7)]);
      expect((await refusal(writeTemp('fake.xlsx', zip))).key).to.equal('import.error.badXlsx');
    });
  });

  describe('XLSX', () => {
    it('reads the first sheet by default, with date, number, rich text and formula cells', async () => {
      const disposed = new Date(Date.UTC(2025, 0, 15, 14, 5));
      const file = await writeXlsx('cells.xlsx', [
        {
          name: 'निस्तारित',
          rows: [
            ['शिकायत संख्या', 'मोबाइल नंबर', 'निस्तारण तिथि', 'विषय', 'योग'],
            [
              40018725012345,
              9876543210,
              disposed,
              { richText: [{ text: 'भूमि ' }, { text: 'विवाद', font: { bold: true } }] },
              { formula: '1+1', result: 2 },
            ],
          ],
        },
        { name: 'Summary', rows: [['x'], ['y']] },
      ]);
      const { source, rows } = await readAll(file);
      expect(source.format).to.equal('xlsx');
      expect(source.sheet).to.equal('निस्तारित');
      expect(rows).to.have.length(1);
      expect(rows[0].rowNumber).to.equal(2);
      expect(rows[0].cells).to.deep.equal({
        'शिकायत संख्या': 40018725012345,
        'मोबाइल नंबर': 9876543210,
        'निस्तारण तिथि': disposed,
        विषय: 'भूमि विवाद',
        योग: 2,
      });
    });

    it('reads a named sheet, matching its name loosely', async () => {
      const file = await writeXlsx('named.xlsx', [
        { name: 'Cover', rows: [['title only']] },
        { name: 'Disposed List', rows: [HEADER, ['7', '9876543210', 'ok']] },
      ]);
      const { source, rows } = await readAll(file, { sheet: 'disposed list' });
      expect(source.sheet).to.equal('Disposed List');
      expect(rows[0].cells['शिकायत संख्या']).to.equal('7');
    });

    it('refuses a missing sheet, listing the sheets there are', async () => {
      const file = await writeXlsx('sheets.xlsx', [
        { name: 'Cover', rows: [['a']] },
        { name: 'Data', rows: [['b']] },
      ]);
      const error = await refusal(file, { sheet: 'Complaints' });
      expect(error.key).to.equal('import.error.sheetNotFound');
      expect(error.params).to.deep.equal({ sheet: 'Complaints', sheets: 'Cover, Data' });
    });

    it('refuses a workbook whose sheet is empty', async () => {
      const file = await writeXlsx('blank.xlsx', [{ name: 'Sheet1', rows: [] }]);
      expect((await refusal(file)).key).to.equal('import.error.emptyFile');
    });

    it('keeps physical row numbers across empty rows and a title row', async () => {
      const file = await writeXlsx('gaps.xlsx', [
        { name: 'S', rows: [['जनपद कानपुर नगर'], [], HEADER, ['1', 'a', 'b'], [], [], ['2', 'c', 'd']] },
      ]);
      const { source, rows } = await readAll(file, { isHeaderRow: looksLikeHeaderRow });
      expect(source.headerRowNumber).to.equal(3);
      expect(rows.map((r) => r.rowNumber)).to.deep.equal([4, 7]);
    });

    it('keeps Hindi text intact across the stream chunk boundaries, in shared and inline strings', async () => {
      // exceljs decodes zip chunks one by one; a split character must not become U+FFFD.
      const text = (i: number) => `शिकायतकर्ता ${i} की भूमि पर अवैध कब्जा, स्थलीय निरीक्षण में पुष्टि हुई। `.repeat(6);
      for (const useSharedStrings of [true, false]) {
        const file = tempPath(`hindi-${useSharedStrings}.xlsx`);
        const writer = new ExcelJS.stream.xlsx.WorkbookWriter({
          filename: file,
          useSharedStrings,
          useStyles: false,
        });
        const sheet = writer.addWorksheet('S');
        sheet.addRow(HEADER).commit();
        for (let i = 0; i < 1500; i++) sheet.addRow([String(i), '9876543210', text(i)]).commit();
        sheet.commit();
        await writer.commit();
        const { rows } = await readAll(file);
        expect(rows).to.have.length(1500);
        const broken = rows.filter((r, i) => r.cells['निस्तारण आख्या'] !== text(i));
        expect(
          broken.map((r) => r.rowNumber),
          `useSharedStrings=${useSharedStrings}`,
        ).to.deep.equal([]);
      }
    });
  });
});
