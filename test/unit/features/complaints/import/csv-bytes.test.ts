// Unit tests for the byte-level CSV splitter: the same records as papaparse, whatever the chunk boundaries.
import { expect } from 'chai';
import Papa from 'papaparse';
import {
  CsvRecordTooLong,
  csvRecords,
  type CsvRecord,
} from '../../../../../server/features/complaints/import/csv-bytes.js';
import { RawText } from '../../../../../server/features/complaints/import/raw-text.js';

const OPTIONS = { delimiter: 0x2c, maxRecordBytes: 1 << 20, rawFromBytes: 64 };

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function split(bytes: Buffer, size: number, options = OPTIONS): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const batch of csvRecords(chunksOf(bytes, size), options)) records.push(...batch);
  return records;
}

const texts = (r: CsvRecord) => r.values.map((v) => (v instanceof RawText ? `raw:${v.toString()}` : v));
const plain = (r: CsvRecord) => r.values.map((v) => v.toString());

const LONG = 'निस्तारण आख्या का पाठ, '.repeat(8);
const ROWS = [
  ['संख्या', 'नाम', 'आख्या', 'अंत'],
  ['101', 'राम "बाबू"', `${LONG}\nदूसरी पंक्ति`, ''],
  ['102', '', `"${LONG}" उद्धृत`, 'x'],
  ['103', 'a,b', '', ''],
  ['104', 'सीता', LONG, 'अंतिम'],
];

function csvText(eol: string): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return '\ufeff' + ROWS.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

describe('CSV split over bytes', () => {
  it('gives papaparse’s records for LF and CRLF files, cut into chunks at every size', async () => {
    for (const eol of ['\n', '\r\n']) {
      const text = csvText(eol);
      const expected = Papa.parse<string[]>(text.slice(1), {
        delimiter: ',',
        newline: eol as '\n',
      }).data.filter((r) => !(r.length === 1 && r[0] === ''));
      const bytes = Buffer.from(text, 'utf8');
      for (const size of [1, 2, 3, 5, 17, 64, 255, 1000, bytes.length]) {
        const records = await split(bytes, size);
        expect(records.map(plain), `${JSON.stringify(eol)} in chunks of ${size}`).to.deep.equal(expected);
      }
    }
  });

  it('keeps long cells as their bytes, doubled quotes made single, and decodes short ones', async () => {
    const [header, first, second] = await split(Buffer.from(csvText('\n')), 100);
    expect(header!.values.every((v) => typeof v === 'string')).to.equal(true);
    expect(texts(first!)).to.deep.equal(['101', 'राम "बाबू"', `raw:${LONG}\nदूसरी पंक्ति`, '']);
    expect(texts(second!)).to.deep.equal(['102', '', `raw:"${LONG}" उद्धृत`, 'x']);
    expect((second!.values[2] as RawText).bytes.equals(Buffer.from(`"${LONG}" उद्धृत`))).to.equal(true);
  });

  it('decodes a long cell that is not valid UTF-8, as a text decoder would', async () => {
    const bad = Buffer.concat([
      Buffer.from('1,'),
      Buffer.alloc(80, 0x61),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n'),
    ]);
    const [record] = await split(bad, 7);
    expect(record!.values[1]).to.equal('a'.repeat(80) + '\ufffd\ufffd');
  });

  it('numbers rows and lines as a spreadsheet shows them: blank lines count, cells’ line breaks move the line', async () => {
    const text = 'h1,h2\n\n1,"two\nlines"\n\n\n2,x\n3,"a\n\nb"\n4,y';
    const records = await split(Buffer.from(text), 4);
    expect(records.map((r) => [r.rowNumber, r.line, r.values[0]])).to.deep.equal([
      [1, 1, 'h1'],
      [3, 3, '1'],
      [6, 7, '2'],
      [7, 8, '3'],
      [8, 11, '4'],
    ]);
  });

  it('keeps a stray quote as text, and gives a cell whose quote never closes the rest of the file', async () => {
    const records = await split(Buffer.from('1,ab"c,"d"e",f\n2,"never closed\n3,x\n'), 3);
    expect(records.map(plain)).to.deep.equal([
      ['1', 'ab"c', 'd"e', 'f'],
      ['2', 'never closed\n3,x\n'],
    ]);
  });

  it('refuses a record that outgrows the limit instead of holding the file in memory', async () => {
    const text = Buffer.from('a,b\n1,"two\nlines"\n2,"' + 'x'.repeat(5000));
    let error: unknown;
    try {
      await split(text, 512, { ...OPTIONS, maxRecordBytes: 2000 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(CsvRecordTooLong);
    expect((error as CsvRecordTooLong).line).to.equal(4); // where the record that never ends starts
  });

  it('reads tab-separated records and a last line without a line break', async () => {
    const records = await split(Buffer.from('a\tb\r\n1\t"x\ty"\r\n2\t'), 2, { ...OPTIONS, delimiter: 0x09 });
    expect(records.map(plain)).to.deep.equal([
      ['a', 'b'],
      ['1', 'x\ty'],
      ['2', ''],
    ]);
  });
});
