// A supervisor starts a session's automated calls from its page in a real browser (Debian Chromium), against fake Twilio.
import { expect } from 'chai';
import type { RunningServer } from '../../server/http-server.js';
import { startServer } from '../../server/http-server.js';
import { fixedClock } from '../../server/shared/dates.js';
import { testDeps, TestClient } from '../helpers/app.js';
import { aUser } from '../helpers/builders.js';
import { anIvrSession } from '../helpers/builders-telephony.js';
import { browserCookies, hasChromium, useChromium } from '../helpers/browser.js';
import { cookieOf } from '../helpers/board-client.js';
import { useTestDb } from '../helpers/db.js';
import { FakeTwilio, freePort } from '../helpers/fake-twilio/server.js';

const describeWithChromium = hasChromium ? describe : describe.skip;
const officeCallerId = '+915122300001';

describeWithChromium('starting IVR calls from the session page in a browser (Debian Chromium)', function () {
  this.timeout(90_000);
  const t = useTestDb();
  const chromium = useChromium();
  let server: RunningServer | null = null;
  let fake: FakeTwilio | null = null;

  afterEach(async () => {
    await server?.close();
    await fake?.close();
  });

  it('shows the button in Twilio mode, asks to confirm, and shows how many calls started', async () => {
    const { sessionId } = await anIvrSession(t.db, { mobiles: ['+919812345671', '+919812345672'] });
    fake = await FakeTwilio.start({ callerIds: [officeCallerId] });
    const port = await freePort();
    const deps = testDeps(t.db, {
      clock: fixedClock('2026-11-23T06:00:00Z'), // 11:30 in Kanpur
      config: fake.deskConfig(port, officeCallerId),
    });
    server = await startServer(deps, port, '127.0.0.1');
    const boss = await aUser(t.db, { role: 'supervisor' });
    const signed = await new TestClient(server.url).signIn(boss.username, boss.password);
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies(browserCookies(cookieOf(signed), server.url));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));

    await page.goto(`${server.url}/sessions/${sessionId}`);
    expect(await page.textContent('#ivr [data-ivr-waiting]')).to.include('2');
    await Promise.all([page.waitForURL(`**/sessions/${sessionId}/ivr`), page.click('[data-ivr-start]')]);
    expect(await page.textContent('[data-ivr-waiting]')).to.include('2 कॉल');
    expect(fake.createdCalls()).to.have.length(0);

    await Promise.all([page.waitForLoadState('load'), page.click('#ivr-form button[type="submit"]')]);
    await page.waitForSelector('[data-ivr-result]');
    expect(await page.textContent('[data-ivr-result]')).to.equal('स्वचालित कॉल शुरू: 2; नहीं लग सकीं: 0।');
    expect(
      fake
        .createdCalls()
        .map((c) => c.to)
        .sort(),
    ).to.deep.equal(['+919812345671', '+919812345672']);
    expect(errors).to.deep.equal([]);
    await context.close();
  });
});
