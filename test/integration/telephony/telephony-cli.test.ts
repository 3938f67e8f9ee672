// The telephony CLI as an operator runs it: the recording retention sweep against the fake Twilio, and its refusals.
import { expect } from 'chai';
import { runScript } from '../../helpers/cli.js';
import { aUser } from '../../helpers/builders.js';
import { aCallTask } from '../../helpers/builders-telephony.js';
import { useTestDb } from '../../helpers/db.js';
import { FakeTwilio } from '../../helpers/fake-twilio/server.js';

describe('npx tsx scripts/telephony.ts', function () {
  this.timeout(30_000);
  const t = useTestDb();
  let fake: FakeTwilio | null = null;
  const saved = { ...process.env };

  afterEach(async () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await fake?.close();
    fake = null;
  });

  it('prints its usage for an unknown command', async () => {
    const result = await runScript(t.db, 'telephony.ts', ['dance']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('Usage: npx tsx scripts/telephony.ts retention');
  });

  it('says Twilio is not set up in manual mode', async () => {
    const result = await runScript(t.db, 'telephony.ts', ['retention']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('Calls through the office line are not set up here');
  });

  it('deletes recordings past the retention period at Twilio and marks them', async () => {
    fake = await FakeTwilio.start();
    Object.assign(process.env, {
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_CALLER_ID: '+915122300001',
      PUBLIC_BASE_URL: 'http://127.0.0.1:9',
      TWILIO_API_BASE_URL: fake.baseUrl,
      RECORDING_RETENTION_DAYS: '30',
    });
    const caller = await aUser(t.db, { role: 'caller' });
    const task = await aCallTask(t.db, { heldBy: caller.id });
    const recording = (n: string) => 'RE' + n.repeat(32);
    const insert = (startedAt: string, sid: string) =>
      t.db('call_attempts').insert({
        task_id: task.taskId,
        user_id: caller.id,
        channel: 'bridge',
        started_at: startedAt,
        recording_sid: sid,
        recording_url: `https://api.twilio.com/2010-04-01/Accounts/${fake!.accountSid}/Recordings/${sid}`,
      });
    await insert('2020-01-01 10:00:00.000', recording('a'));
    await insert('2999-01-01 10:00:00.000', recording('b'));

    const result = await runScript(t.db, 'telephony.ts', ['retention']);
    expect(result.stdout).to.include('Deleted 1 recording(s) older than 30 days.');
    expect(result.code).to.equal(0);
    const rows = await t.db('call_attempts').whereNotNull('recording_sid').orderBy('started_at');
    expect(
      rows.map((r) => [r.recording_sid, r.recording_deleted_at !== null, r.recording_url]),
    ).to.deep.equal([
      [recording('a'), true, null],
      [recording('b'), false, rows[1].recording_url],
    ]);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path.includes(recording('a')))).to.equal(
      true,
    );
  });
});
