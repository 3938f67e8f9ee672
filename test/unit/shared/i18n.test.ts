import { expect } from 'chai';
import { catalogueKeys, t } from '../../../server/shared/i18n.js';

describe('message catalogue', () => {
  it('has the same keys in Hindi and English', () => {
    const hi = new Set(catalogueKeys('hi'));
    const en = new Set(catalogueKeys('en'));
    expect(
      [...hi].filter((k) => !en.has(k)),
      'keys missing in en.json',
    ).to.deep.equal([]);
    expect(
      [...en].filter((k) => !hi.has(k)),
      'keys missing in hi.json',
    ).to.deep.equal([]);
  });

  it('has no empty message and keeps the same placeholders in both languages', () => {
    for (const key of catalogueKeys('hi')) {
      const hi = t('hi', key);
      const en = t('en', key);
      expect(hi.trim(), key).not.to.equal('');
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(hi), `placeholders of ${key}`).to.deep.equal(names(en));
    }
  });

  it('fills placeholders and defaults to the key when a message is missing', () => {
    expect(t('en', 'home.welcome', { name: 'Asha' })).to.equal('Hello, Asha');
    expect(t('hi', 'no.such.key')).to.equal('no.such.key');
  });
});
