import { expect } from 'chai';
import { ConfigError, loadConfig, parseDatabaseUrl } from '../../../server/config.js';

describe('config', () => {
  it('uses the embedded SQLite file when DATABASE_URL is not set', () => {
    const c = loadConfig({});
    expect(c.database.client).to.equal('sqlite');
    expect(c.port).to.equal(3000);
  });

  it('reads a mysql:// URL with its database name', () => {
    const db = parseDatabaseUrl('mysql://root@127.0.0.1:3306/igrs', '');
    expect(db).to.deep.equal({ client: 'mysql', url: 'mysql://root@127.0.0.1:3306/igrs', database: 'igrs' });
  });

  it('explains a malformed DATABASE_URL and hides the password', () => {
    expect(() => parseDatabaseUrl('mysql//user:secret@host', '')).to.throw(ConfigError, /not a valid URL/);
    try {
      parseDatabaseUrl('not a url user:secret@host', '');
    } catch (e) {
      expect((e as Error).message).not.to.contain('secret');
    }
  });

  it('refuses an unsupported engine and a URL without a database', () => {
    expect(() => parseDatabaseUrl('postgres://u@h/db', '')).to.throw(ConfigError, /mysql:\/\//);
    expect(() => parseDatabaseUrl('mysql://root@127.0.0.1:3306', '')).to.throw(
      ConfigError,
      /no database name/,
    );
  });

  it('names the setting that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /PORT/);
  });

  it('turns Twilio mode on only when every Twilio setting is present', () => {
    expect(loadConfig({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' }).twilio).to.equal(undefined);
    const on = loadConfig({
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 't',
      TWILIO_CALLER_ID: '+915122000000',
      PUBLIC_BASE_URL: 'https://desk.example.org',
    });
    expect(on.twilio?.callerId).to.equal('+915122000000');
  });

  it('keys Redis under a per-deployment prefix, igrs-desk unless REDIS_PREFIX says otherwise', () => {
    expect(loadConfig({}).redisPrefix).to.equal('igrs-desk');
    expect(loadConfig({ REDIS_PREFIX: 'desk-kanpur.prod_2' }).redisPrefix).to.equal('desk-kanpur.prod_2');
    // '#' separates the adapter's channel parts and ':' the key parts; spaces and an empty prefix are refused.
    for (const bad of ['', 'has space', 'a#b', 'a:b', '-leading', 'x'.repeat(65)])
      expect(() => loadConfig({ REDIS_PREFIX: bad }), bad).to.throw(ConfigError, /REDIS_PREFIX/);
  });
});
