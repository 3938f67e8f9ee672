// A supervisor edits the Hindi call script in a real browser (Debian Chromium) while a caller's console stays usable.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../server/config.js';
import type { RunningServer } from '../../server/http-server.js';
import { fixedClock, nowDb } from '../../server/shared/dates.js';
import { startTestServer, testDeps, TestClient } from '../helpers/app.js';
import { aComplaint, aUser } from '../helpers/builders.js';
import { aSession, aTask } from '../helpers/builders-calls.js';
import { browserCookies, hasChromium, useChromium } from '../helpers/browser.js';
import { cookieOf } from '../helpers/board-client.js';
import { useTestDb } from '../helpers/db.js';

const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('the script editor’s live preview in a browser (Debian Chromium)', function () {
  this.timeout(90_000);
  const t = useTestDb();
  const chromium = useChromium();
  let server: RunningServer;

  afterEach(async () => {
    await server?.close();
  });

  async function pageAs(client: TestClient): Promise<{ page: Page; errors: string[] }> {
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies(browserCookies(cookieOf(client), server.url));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    return { page, errors };
  }

  it('previews edits against a real complaint, explains template errors, and saves a new version callers then read', async () => {
    const supervisor = await aUser(t.db, { role: 'supervisor', displayName: 'आईजीआरएस प्रभारी' });
    const caller = await aUser(t.db, { role: 'session_officer', displayName: 'अपर जिलाधिकारी' });
    const sessionId = await aSession(t.db, { mode: 'officers' });
    const complaint = await aComplaint(t.db, { complainantName: 'सीता देवी' });
    const taskId = await aTask(t.db, { sessionId, complaintId: complaint.id, assignedUserId: caller.id });
    server = await startTestServer(testDeps(t.db, { clock: fixedClock('2026-11-23T11:00:00+05:30') }));

    const callerClient = await new TestClient(server.url).signIn(caller.username, caller.password);
    expect((await callerClient.post('/api/calls/next')).json().data.task.id).to.equal(taskId);
    const console = await pageAs(callerClient);
    const editor = await pageAs(
      await new TestClient(server.url).signIn(supervisor.username, supervisor.password),
    );
    const { page } = editor;
    const body = page.locator('textarea[name="body"]');
    const message = page.locator('#script-form [data-message]');
    const preview = page.locator('[data-preview]');

    // The preview renders the stored Hindi script against the district's complaint as soon as the page opens.
    await page.goto(`${server.url}/calls/scripts`);
    expect(await page.textContent('h2')).to.include(complaint.referenceNo);
    await page.waitForFunction(() =>
      document.querySelector('[data-preview]')?.textContent?.includes('सीता देवी'),
    );

    const previewShows = (text: string) =>
      page.waitForFunction((want) => document.querySelector('[data-preview]')?.textContent === want, text);
    const messageSays = (part: string) =>
      page.waitForFunction(
        (want) => document.querySelector('#script-form [data-message]')?.textContent?.includes(want),
        part,
      );

    await body.fill('नमस्ते {{complainantName}} जी, संदर्भ {{referenceNo}} ({{department}})।');
    await previewShows(`नमस्ते सीता देवी जी, संदर्भ ${complaint.referenceNo} (राजस्व)।`);
    expect(await message.textContent()).to.equal('');

    // An unknown variable: the message names it and lists the ones there are; the old preview is marked stale.
    await body.fill('नमस्ते {{complainantNaam}} जी');
    await messageSays('{{complainantNaam}}');
    expect(await message.textContent()).to.include('complainantName');
    expect(await preview.getAttribute('data-stale')).to.equal('true');
    // Said beside the preview too, where the supervisor is looking.
    expect(await page.textContent('[data-preview-error]')).to.equal(await message.textContent());
    expect(await page.isVisible('[data-stale-note]')).to.equal(true);

    // Broken Handlebars: the message says which block is left open and how to close it, in Hindi.
    await body.fill('नमस्ते {{complainantName}} जी।\n{{#if subject}}विषय: {{subject}}');
    await messageSays('{{/if}}');
    expect(await message.textContent()).to.include('पंक्ति 2');
    const out = path.join(projectRoot, 'test-artifacts');
    fs.mkdirSync(out, { recursive: true });
    await page.screenshot({ path: path.join(out, 'script-editor-error.png'), fullPage: true });

    // An unknown variable in a branch this complaint does not take is still found: other complaints would take it.
    await body.fill('नमस्ते {{complainantName}} जी।{{#unless subject}} {{mobileNo}}{{/unless}}');
    await messageSays('{{mobileNo}}');

    // Saving a broken script is refused with the same message; nothing new is stored.
    await page.click('#script-form button[type="submit"]');
    await page.waitForFunction(() =>
      document.querySelector('#script-form [data-message]')?.className.includes('error'),
    );
    expect(await message.textContent()).to.include('{{mobileNo}}');
    expect(await t.db('call_scripts').where({ language: 'hi' }).pluck('version')).to.deep.equal([1]);

    // Meanwhile the caller's console shows the stored script and works.
    await console.page.goto(`${server.url}/calls/tasks/${taskId}`);
    expect(await console.page.textContent('.script-text')).to.include('सीता देवी');
    expect(await console.page.locator('.script [role="alert"]').count()).to.equal(0);
    expect(await console.page.isVisible('#outcome-form')).to.equal(true);

    // A good edit saved makes version 2, shown in the editor without a reload, and the caller reads it next.
    await body.fill('नमस्ते {{complainantName}} जी, मैं {{callerName}} बोल रहा हूँ।');
    await previewShows('नमस्ते सीता देवी जी, मैं आईजीआरएस प्रभारी बोल रहा हूँ।');
    expect(await preview.getAttribute('data-stale')).to.equal(null);
    expect(await page.isVisible('[data-stale-note]')).to.equal(false);
    await page.click('#script-form button[type="submit"]');
    await messageSays('संस्करण 2');
    expect(await page.textContent('[data-version-label]')).to.include('v2');
    expect(await page.locator('[data-versions] li').first().textContent()).to.include('v2');
    expect(await page.locator('[data-versions] li').first().textContent()).to.include('आईजीआरएस प्रभारी');
    const stored = await t.db('call_scripts').where({ language: 'hi' }).orderBy('version');
    expect(stored.map((s) => s.version)).to.deep.equal([1, 2]);
    expect(stored[1].body).to.equal('नमस्ते {{complainantName}} जी, मैं {{callerName}} बोल रहा हूँ।');

    await console.page.reload();
    expect(await console.page.textContent('.script h2')).to.include('2');
    expect(await console.page.textContent('.script-text')).to.equal(
      'नमस्ते सीता देवी जी, मैं अपर जिलाधिकारी बोल रहा हूँ।',
    );

    // A stored version that cannot render (written before today's checks) never breaks the console: the caller is
    // told to speak from the complaint, and the outcome form is there.
    await t.db('call_scripts').insert({
      name: 'default',
      version: 3,
      language: 'hi',
      body: 'नमस्ते {{#each subject}}{{this}}{{/each}}',
      questions: stored[1].questions,
      created_by: supervisor.id,
      created_at: nowDb(),
    });
    await console.page.reload();
    expect(await console.page.textContent('.script [role="alert"]')).to.include('पर्यवेक्षक को बताएँ');
    expect(await console.page.isVisible('#outcome-form')).to.equal(true);
    expect(await console.page.textContent('.complaint')).to.include('सीता देवी');

    expect(editor.errors).to.deep.equal([]);
    expect(console.errors).to.deep.equal([]);
  });
});
