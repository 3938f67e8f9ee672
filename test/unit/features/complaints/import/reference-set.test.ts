// The set of references read so far in a file: the first row of each, for numeric and other references.
import { expect } from 'chai';
import { ReferenceSet } from '../../../../../server/features/complaints/import/reference-set.js';

describe('import reference set', () => {
  it('answers undefined the first time and the first row after that, across table growth', () => {
    const set = new ReferenceSet();
    const base = 40018000000000;
    for (let i = 0; i < 50_000; i++)
      expect(set.firstRowOf(String(base + i * 1024), i + 2)).to.equal(undefined);
    for (let i = 0; i < 50_000; i += 997)
      expect(set.firstRowOf(String(base + i * 1024), 99_999)).to.equal(i + 2);
    expect(set.firstRowOf(String(base + 1), 7)).to.equal(undefined);
  });

  it('keeps references that are not plain numbers apart from the numbers they look like', () => {
    const set = new ReferenceSet();
    expect(set.firstRowOf('123', 2)).to.equal(undefined);
    expect(set.firstRowOf('0123', 3)).to.equal(undefined); // a leading zero is another reference
    expect(set.firstRowOf('123.0', 4)).to.equal(undefined);
    expect(set.firstRowOf('A-1/2025', 5)).to.equal(undefined);
    expect(set.firstRowOf('1234567890123456', 6)).to.equal(undefined); // 16 digits: kept as text
    expect(set.firstRowOf('1234567890123457', 7)).to.equal(undefined);
    expect(set.firstRowOf('0123', 8)).to.equal(3);
    expect(set.firstRowOf('123', 9)).to.equal(2);
    expect(set.firstRowOf('A-1/2025', 10)).to.equal(5);
    expect(set.firstRowOf('1234567890123456', 11)).to.equal(6);
  });
});
