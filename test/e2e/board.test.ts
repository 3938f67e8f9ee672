import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../server/config.js';
import type { AppDeps } from '../../server/deps.js';
import { startServer, type RunningServer } from '../../server/http-server.js';
import { startTestServer, testDeps, TestClient } from '../helpers/app.js';
import { nowDb } from '../../server/shared/dates.js';
import { aUser } from '../helpers/builders.js';
import { aBoardSession, aBoardTask, anOutcome } from '../helpers/builders-board.js';
import { cookieOf } from '../helpers/board-client.js';
import { browserCookies, hasChromium, useChromium } from '../helpers/browser.js';
import { useTestDb } from '../helpers/db.js';

const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('live board in a browser (Debian Chromium)', function () {
  this.timeout(60_000);
  const t = useTestDb();
  const chromium = useChromium();
  let server: RunningServer;
  let deps: AppDeps;

  beforeEach(async () => {
    deps = testDeps(t.db, { config: { redisUrl: process.env.TEST_REDIS_URL } });
    server = await startTestServer(deps);
  });
  afterEach(async () => {
    await server.close();
  });

  async function openBoard(sessionId: number): Promise<Page> {
    const supervisor = await aUser(t.db, { role: 'supervisor', displayName: 'जिलाधिकारी कार्यालय' });
    const client = await new TestClient(server.url).signIn(supervisor.username, supervisor.password);
    const context = await chromium.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    await context.addCookies(browserCookies(cookieOf(client), server.url));
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('board page error:', err));
    await page.goto(`${server.url}/board?session=${sessionId}`);
    await page.waitForSelector('#board[data-state="live"]');
    return page;
  }

  const count = (page: Page, name: string) => page.locator(`[data-count="${name}"] .big-value`).textContent();

  /** A caller in another "page": claims the task and records the verdict through the real endpoints. */
  async function recordThroughConsole(
    caller: { username: string; password: string },
    taskId: number,
    verdict: string,
  ) {
    await t
      .db('settings')
      .insert({
        key: 'calls.queue',
        value: JSON.stringify({ callingHours: { start: '00:00', end: '24:00' } }),
        updated_at: nowDb(),
      })
      .onConflict('key')
      .merge();
    const consolePage = await new TestClient(server.url).signIn(caller.username, caller.password);
    const claim = await consolePage.post('/api/calls/next');
    expect(claim.json().data.task?.id, claim.text).to.equal(taskId);
    const res = await consolePage.post(`/api/tasks/${taskId}/outcome`, {
      idempotencyKey: `board-e2e-${taskId}`,
      disposition: 'complete',
      verdict,
    });
    expect(res.status, res.text).to.equal(201);
  }

  it('shows an outcome recorded elsewhere in the count and at the top of the feed, in Hindi', async () => {
    const caller = await aUser(t.db, { role: 'caller', displayName: 'अपर जिलाधिकारी (वित्त)' });
    const session = await aBoardSession(t.db, { callers: [caller.id], title: 'प्रथम सप्ताह सत्यापन' });
    const first = await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });
    const second = await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });
    await anOutcome(t.db, { taskId: first.id, userId: caller.id, verdict: 'unsatisfied' });

    const page = await openBoard(session.id);
    expect(await count(page, 'sampled')).to.equal('2');
    expect(await count(page, 'satisfied')).to.equal('0');
    expect(await count(page, 'unsatisfied')).to.equal('1');

    await recordThroughConsole(caller, second.id, 'satisfied');
    await page.waitForFunction(
      () => document.querySelector('[data-count="satisfied"] .big-value')?.textContent === '1',
    );
    const top = await page.locator('#board-feed li').first().textContent();
    expect(top).to.contain(second.referenceNo);
    expect(top).to.contain('संतुष्ट');
    expect(await page.locator('#board-title').textContent()).to.contain('प्रथम सप्ताह सत्यापन');

    const out = path.join(projectRoot, 'test-artifacts');
    fs.mkdirSync(out, { recursive: true });
    await page.screenshot({ path: path.join(out, 'board.png'), fullPage: true });
  });

  it('shows correct figures after the server restarts under an open board', async () => {
    const caller = await aUser(t.db, { role: 'caller' });
    const session = await aBoardSession(t.db, { callers: [caller.id] });
    const task = await aBoardTask(t.db, { sessionId: session.id, assignedUserId: caller.id });
    const page = await openBoard(session.id);
    expect(await count(page, 'satisfied')).to.equal('0');

    const port = server.port;
    await server.close();
    await page.waitForSelector('#board[data-state="reconnecting"]');
    // Recorded while no server was there to tell the board: only the snapshot on reconnect can show it.
    await anOutcome(t.db, { taskId: task.id, userId: caller.id, verdict: 'satisfied' });
    server = await startServer(deps, port, '127.0.0.1');

    await page.waitForFunction(
      () => document.querySelector('[data-count="satisfied"] .big-value')?.textContent === '1',
      undefined,
      { timeout: 20_000 },
    );
    expect(await count(page, 'remaining')).to.equal('0');
    expect(await page.locator('#board').getAttribute('data-state')).to.equal('live');
  });
});
