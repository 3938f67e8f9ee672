// A caller works through a session in a real browser (Debian Chromium): keyboard only, a network failure, the next call.
import { expect } from 'chai';
import type { RunningServer } from '../../server/http-server.js';
import { fixedClock } from '../../server/shared/dates.js';
import { startTestServer, testDeps } from '../helpers/app.js';
import { aComplaint, aUser } from '../helpers/builders.js';
import { aSession, aTask } from '../helpers/builders-calls.js';
import { hasChromium, useChromium } from '../helpers/browser.js';
import { useTestDb } from '../helpers/db.js';

const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('the caller’s console in a browser (Debian Chromium)', function () {
  this.timeout(90_000);
  const t = useTestDb();
  const chromium = useChromium();
  let server: RunningServer;

  afterEach(async () => {
    await server?.close();
  });

  it('lets a caller do their calls with the keyboard, keeping what was typed through a network failure', async () => {
    const caller = await aUser(t.db, { role: 'session_officer', displayName: 'अपर जिलाधिकारी' });
    const sessionId = await aSession(t.db, { mode: 'officers' });
    const first = await aComplaint(t.db, { complainantName: 'सीता देवी', mobile: '+919876543212' });
    const second = await aComplaint(t.db, { complainantName: 'मोहन लाल' });
    const firstTask = await aTask(t.db, {
      sessionId,
      complaintId: first.id,
      assignedUserId: caller.id,
      priority: 1,
    });
    const secondTask = await aTask(t.db, { sessionId, complaintId: second.id, assignedUserId: caller.id });
    server = await startTestServer(testDeps(t.db, { clock: fixedClock('2026-11-23T11:00:00+05:30') }));

    // A phone-sized screen: the console must work there too.
    const context = await chromium.browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'hi-IN',
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(`${server.url}/login`);
    await page.fill('input[name="username"]', caller.username);
    await page.fill('input[name="password"]', caller.password);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type="submit"]')]);

    await page.goto(`${server.url}/calls`);
    await Promise.all([page.waitForURL(`**/calls/tasks/${firstTask}`), page.keyboard.press('n')]);
    expect(await page.textContent('[data-mobile]')).to.include('+919876543212');
    expect(await page.textContent('.script-text')).to.include('सीता देवी');

    // Branching: "no" to the first question skips "did an officer visit".
    await page.check('input[name="answer.contacted"][value="no"]');
    expect(await page.isVisible('[data-question="visited"]')).to.equal(false);
    await page.check('input[name="answer.solved"][value="no"]');
    await page.keyboard.press('c');
    await page.keyboard.press('3');
    await page.fill('textarea[name="remarks"]', 'कोई अधिकारी नहीं आया');
    await page.locator('h1').click();

    // The first save fails on the network: the message shows and nothing typed is lost.
    let outcomePosts = 0;
    await page.route('**/api/tasks/*/outcome', (route) =>
      outcomePosts++ === 0 ? route.abort() : route.continue(),
    );
    const lost = page.waitForEvent('requestfailed', {
      predicate: (r) => r.url().includes('/outcome'),
      timeout: 10_000,
    });
    await page.keyboard.press('Enter');
    await lost;
    await page.waitForSelector('[data-message].error');
    expect(await page.inputValue('textarea[name="remarks"]')).to.equal('कोई अधिकारी नहीं आया');
    expect(await page.isChecked('input[name="verdict"][value="unsatisfied"]')).to.equal(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-message].ok');

    await Promise.all([page.waitForURL(`**/calls/tasks/${secondTask}`), page.keyboard.press('n')]);
    await page.keyboard.press('a'); // no answer
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-message].ok');
    await Promise.all([page.waitForURL('**/calls?none=*'), page.keyboard.press('n')]);
    expect(await page.textContent('.calls-mine')).to.include('2 में से 1 पूर्ण');
    // Nothing to call now: the page says when the unanswered call comes back, once, in Hindi and in English.
    expect(await page.textContent('[data-empty]')).to.include('अभी आपके लिए कोई कॉल प्रतीक्षा में नहीं है');
    expect(await page.textContent('[data-empty-next]')).to.match(/^अगला प्रयास .+ पर/);
    expect(await page.locator('.alert[role="status"]').count()).to.equal(0);
    await Promise.all([page.waitForURL('**lang=en*'), page.click('a.lang-switch')]);
    expect(await page.textContent('[data-empty-next]')).to.match(/^Next attempt at /);
    expect(errors).to.deep.equal([]);

    const outcomes = await t.db('outcomes').orderBy('id');
    expect(outcomes.map((o) => [o.task_id, o.disposition, o.verdict])).to.deep.equal([
      [firstTask, 'complete', 'unsatisfied'],
      [secondTask, 'no_answer', null],
    ]);
    expect(JSON.parse(outcomes[0].answers)).to.deep.equal({ contacted: 'no', solved: 'no' });
    expect((await t.db('call_tasks').where({ id: secondTask }).first()).status).to.equal('queued');
  });
});
