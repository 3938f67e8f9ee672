import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'chai';

const root = new URL('../../../../../', import.meta.url);
const catalogue = (lang: string) =>
  JSON.parse(readFileSync(new URL(`server/shared/i18n/${lang}.json`, root), 'utf8')) as Record<
    string,
    string
  >;

describe('sampling messages', () => {
  it('has every error key the sampling code raises in both catalogues, with the same placeholders', () => {
    const folder = new URL('server/features/sessions/sampling/', root);
    const source = readdirSync(folder)
      .map((file) => readFileSync(new URL(file, folder), 'utf8'))
      .join('\n');
    const keys = [...new Set(source.match(/sessions\.error\.[A-Za-z]+/g))];
    expect(keys.length).to.be.above(10);
    const [hi, en] = [catalogue('hi'), catalogue('en')];
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const key of keys) {
      expect(hi, key).to.have.property(key);
      expect(en, key).to.have.property(key);
      expect(placeholders(hi[key]), key).to.deep.equal(placeholders(en[key]));
    }
  });
});
