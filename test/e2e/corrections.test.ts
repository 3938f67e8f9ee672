// A supervisor corrects an outcome in a real browser (Debian Chromium): from the session's outcomes to the history.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../server/config.js';
import type { RunningServer } from '../../server/http-server.js';
import { fixedClock } from '../../server/shared/dates.js';
import { startTestServer, testDeps, TestClient } from '../helpers/app.js';
import { aComplaint, aUser } from '../helpers/builders.js';
import { aSession, aTask } from '../helpers/builders-calls.js';
import { browserCookies, hasChromium, useChromium } from '../helpers/browser.js';
import { cookieOf } from '../helpers/board-client.js';
import { useTestDb } from '../helpers/db.js';

const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('outcome corrections in a browser (Debian Chromium)', function () {
  this.timeout(90_000);
  const t = useTestDb();
  const chromium = useChromium();
  let server: RunningServer;

  afterEach(async () => {
    await server?.close();
  });

  it('opens an outcome from the session’s list, keeps what was typed through a refusal, and adds the correction to the history', async () => {
    const caller = await aUser(t.db, { role: 'caller', displayName: 'राधा कॉलर' });
    const supervisor = await aUser(t.db, { role: 'supervisor', displayName: 'आईजीआरएस प्रभारी' });
    const sessionId = await aSession(t.db, { callers: [caller.id] });
    const complaint = await aComplaint(t.db, { complainantName: 'सीता देवी' });
    const taskId = await aTask(t.db, { sessionId, complaintId: complaint.id });
    server = await startTestServer(testDeps(t.db, { clock: fixedClock('2026-11-23T11:00:00+05:30') }));

    // The caller records a satisfied call through the console's endpoints.
    const console = await new TestClient(server.url).signIn(caller.username, caller.password);
    expect((await console.post('/api/calls/next')).json().data.task.id).to.equal(taskId);
    const recorded = await console.post(`/api/tasks/${taskId}/outcome`, {
      idempotencyKey: 'e2e-correction-original',
      disposition: 'complete',
      verdict: 'satisfied',
      remarks: 'सब ठीक है',
    });
    expect(recorded.status).to.equal(201);

    const signed = await new TestClient(server.url).signIn(supervisor.username, supervisor.password);
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies(browserCookies(cookieOf(signed), server.url));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));

    await page.goto(`${server.url}/sessions/${sessionId}/outcomes`);
    expect(await page.textContent('.session-outcomes')).to.include(complaint.referenceNo);
    await Promise.all([page.waitForURL('**/calls/outcomes/*'), page.click('.session-outcomes a')]);
    expect(await page.textContent('#history')).to.include('राधा कॉलर');

    await page.check('input[name="verdict"][value="unsatisfied"]');
    await page.fill('textarea[name="remarks"]', 'कोई अधिकारी नहीं आया');
    await Promise.all([page.waitForLoadState('load'), page.click('#correction-form button[type="submit"]')]);
    await page.waitForSelector('[data-error]');
    expect(await page.textContent('[data-error]')).to.include('सुधार का कारण लिखें');
    expect(await page.inputValue('textarea[name="remarks"]')).to.equal('कोई अधिकारी नहीं आया');
    expect(await page.isChecked('input[name="verdict"][value="unsatisfied"]')).to.equal(true);

    await page.fill('textarea[name="reason"]', 'कॉलर ने गलत मत चुना था');
    await Promise.all([
      page.waitForURL('**?corrected=1'),
      page.click('#correction-form button[type="submit"]'),
    ]);
    expect(await page.textContent('[data-saved]')).to.include('सुधार सहेजा गया');
    const entries = page.locator('.outcome-entry');
    expect(await entries.count()).to.equal(2);
    expect(await entries.nth(0).locator('[data-verdict]').textContent()).to.equal('संतुष्ट');
    expect(await entries.nth(1).locator('[data-verdict]').textContent()).to.equal('असंतुष्ट');
    expect(await entries.nth(1).locator('[data-who]').textContent()).to.equal('आईजीआरएस प्रभारी');
    expect(await entries.nth(1).locator('[data-reason]').textContent()).to.equal('कॉलर ने गलत मत चुना था');
    const out = path.join(projectRoot, 'test-artifacts');
    fs.mkdirSync(out, { recursive: true });
    await page.screenshot({ path: path.join(out, 'outcome-correction.png'), fullPage: true });
    expect(errors).to.deep.equal([]);

    const rows = await t.db('outcomes').orderBy('id');
    expect(rows.map((r) => [r.verdict, r.remarks, Boolean(r.is_current)])).to.deep.equal([
      ['satisfied', 'सब ठीक है', false],
      ['unsatisfied', 'कोई अधिकारी नहीं आया', true],
    ]);
    await context.close();
  });
});
