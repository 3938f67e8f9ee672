// The session page's IVR button over HTTP: shown only in Twilio mode, a confirmation, then the calls placed (fake Twilio).
import { expect } from 'chai';
import type { RunningServer } from '../../../server/http-server.js';
import { startServer } from '../../../server/http-server.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { startTestServer, testDeps, TestClient } from '../../helpers/app.js';
import { aUser } from '../../helpers/builders.js';
import { anIvrSession } from '../../helpers/builders-telephony.js';
import { useTestDb } from '../../helpers/db.js';
import { FakeTwilio, freePort } from '../../helpers/fake-twilio/server.js';

const officeCallerId = '+915122300001';

describe('starting IVR calls from the session page (fake Twilio)', () => {
  const t = useTestDb();
  let fake: FakeTwilio | null = null;
  let server: RunningServer | null = null;

  afterEach(async () => {
    await server?.close();
    await fake?.close();
    server = null;
    fake = null;
  });

  /** The app in Twilio mode against the fake, at `at` (11:30 in Kanpur on a working day unless said otherwise). */
  async function startTwilio(at = '2026-11-23T06:00:00Z') {
    fake = await FakeTwilio.start({ callerIds: [officeCallerId] });
    const port = await freePort();
    const deps = testDeps(t.db, { clock: fixedClock(at), config: fake.deskConfig(port, officeCallerId) });
    server = await startServer(deps, port, '127.0.0.1');
  }
  const supervisorClient = async (districts = ['kanpur-nagar']) => {
    const boss = await aUser(t.db, { role: 'supervisor', districts });
    return new TestClient(server!.url).signIn(boss.username, boss.password);
  };
  const confirm = (client: TestClient, sessionId: number, limit: string) =>
    client.request(
      'POST',
      `/sessions/${sessionId}/ivr`,
      new URLSearchParams({ _csrf: client.csrf!, limit }),
      {
        accept: 'text/html',
      },
    );

  it('shows the button with the calls waiting, asks to confirm, and places the calls with how many started', async () => {
    // Two good numbers and one Twilio cannot call: two start, one goes back to the queue for a person.
    const { sessionId, taskIds } = await anIvrSession(t.db, {
      mobiles: ['+919812345671', '12345', '+919812345672'],
    });
    await startTwilio();
    const boss = await supervisorClient();

    const page = await boss.getPage(`/sessions/${sessionId}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('पूल की 3 कॉल अभी IVR से की जा सकती हैं');
    expect(page.text).to.include(`href="/sessions/${sessionId}/ivr"`);

    const asked = await boss.getPage(`/sessions/${sessionId}/ivr`);
    expect(asked.status).to.equal(200);
    expect(asked.text).to.include('IVR के लिए अभी देय: 3 कॉल।');
    expect(asked.text).to.include('हाँ, कॉल शुरू करें');
    expect(asked.text).to.match(/name="limit"[^>]*value="3"/);
    expect(fake!.createdCalls(), 'nothing is called before the confirmation').to.have.length(0);

    const done = await confirm(boss, sessionId, '3');
    expect(done.status).to.equal(200);
    expect(done.text).to.include('स्वचालित कॉल शुरू: 2; नहीं लग सकीं: 1।');
    expect(
      fake!
        .createdCalls()
        .map((c) => c.to)
        .sort(),
    ).to.deep.equal(['+919812345671', '+919812345672']);
    const tasks = await t.db('call_tasks').whereIn('id', taskIds).orderBy('id');
    expect(tasks.map((row) => row.status)).to.deep.equal(['claimed', 'queued', 'claimed']);
    // The refused one now waits for a person, so nothing is left for the IVR and no second run is offered.
    expect(done.text).to.include('IVR के लिए अभी देय: 0 कॉल।');
    expect(done.text).not.to.include('id="ivr-form"');

    await boss.getPage('/?lang=en');
    const again = await boss.getPage(`/sessions/${sessionId}`);
    expect(again.text).to.include('0 pool calls can be made by the IVR now');
    expect(again.text).not.to.include('data-ivr-start');
  });

  it('shows a refused run on the page again with the message and the number typed, and calls no one', async () => {
    const { sessionId } = await anIvrSession(t.db, { mobiles: ['+919812345671'] });
    await startTwilio();
    const boss = await supervisorClient();
    const bad = await confirm(boss, sessionId, '0');
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('1 से 500 के बीच की पूरी संख्या');
    expect(bad.text).to.match(/name="limit"[^>]*value="0"/);

    await server!.close();
    await fake!.close();
    await startTwilio('2026-11-23T14:30:00Z'); // 20:00 in Kanpur: after calling hours
    const late = await supervisorClient();
    const page = await late.getPage(`/sessions/${sessionId}/ivr`);
    expect(page.text).to.include('स्वचालित कॉल केवल कॉल के समय में होती हैं');
    expect(page.text).not.to.include('id="ivr-form"');
    const refused = await confirm(late, sessionId, '1');
    expect(refused.status).to.equal(409);
    expect(refused.text).to.include('स्वचालित कॉल केवल कॉल के समय में होती हैं');
    expect(fake!.createdCalls()).to.have.length(0);
    expect((await t.db('call_tasks').first('status')).status).to.equal('queued');
  });

  it('answers a supervisor of another district with “not found”, and places no call', async () => {
    const { sessionId } = await anIvrSession(t.db, { mobiles: ['+919812345671'] });
    await startTwilio();
    const lucknow = await supervisorClient(['lucknow']);
    expect((await lucknow.getPage(`/sessions/${sessionId}/ivr`)).status).to.equal(404);
    expect((await confirm(lucknow, sessionId, '1')).status).to.equal(404);
    expect(fake!.createdCalls()).to.have.length(0);
  });

  it('shows no button in manual mode, and its page says why automated calls cannot run', async () => {
    const { sessionId } = await anIvrSession(t.db, { mobiles: ['+919812345671'] });
    server = await startTestServer(testDeps(t.db, { clock: fixedClock('2026-11-23T06:00:00Z') }));
    const boss = await supervisorClient();
    const page = await boss.getPage(`/sessions/${sessionId}`);
    expect(page.status).to.equal(200);
    expect(page.text).not.to.include('id="ivr"');
    expect(page.text).not.to.include(`/sessions/${sessionId}/ivr`);
    const ivr = await boss.getPage(`/sessions/${sessionId}/ivr`);
    expect(ivr.text).to.include('Twilio नंबर चाहिए');
    expect(ivr.text).not.to.include('id="ivr-form"');
    const refused = await confirm(boss, sessionId, '1');
    expect(refused.status).to.equal(409);
    expect(refused.text).to.include('Twilio नंबर चाहिए');
  });
});
