// npm run synthetic-export -- FILE --rows N [--seed S] [--bad 0.05] [--headers hi|en|mixed]: writes a realistic IGRS export.
import { parseArgs } from 'node:util';
import { writeSyntheticExport } from '../server/features/complaints/import/synthetic-export.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    bad: { type: 'string', default: '0' },
    headers: { type: 'string', default: 'mixed' },
    'reference-start': { type: 'string', default: '0' },
    'no-extra': { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const badShare = Number(values.bad);
if (positionals.length !== 1 || !Number.isInteger(rows) || rows < 0 || !(badShare >= 0 && badShare <= 1)) {
  console.error(
    'usage: npm run synthetic-export -- FILE(.csv|.xlsx) --rows N [--seed S] [--bad 0..1] [--headers hi|en|mixed]',
  );
  process.exit(2);
}
const headers = values.headers as 'hi' | 'en' | 'mixed';
const summary = await writeSyntheticExport(positionals[0]!, {
  rows,
  seed: values.seed!,
  badShare,
  headers: ['hi', 'en', 'mixed'].includes(headers) ? headers : 'mixed',
  referenceStart: Number(values['reference-start']),
  extraColumns: !values['no-extra'],
});
console.log(JSON.stringify({ file: positionals[0], ...summary }, null, 2));
