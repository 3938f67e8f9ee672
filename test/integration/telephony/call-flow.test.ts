// Whole calls through the app: the real SDK against the fake Twilio, signed webhooks onto attempts, tasks and outcomes.
import { expect } from 'chai';
import type { AppDeps } from '../../../server/deps.js';
import type { RunningServer } from '../../../server/http-server.js';
import type { DomainEvents } from '../../../server/shared/events.js';
import { t as translate } from '../../../server/shared/i18n.js';
import { startServer } from '../../../server/http-server.js';
import { CallQueue } from '../../../server/features/calls/call-queue.service.js';
import { fixedClock } from '../../../server/shared/dates.js';
import { createTelephonyService } from '../../../server/features/telephony/index.js';
import { spellOut } from '../../../server/features/telephony/twiml.js';
import { testDeps, TestClient } from '../../helpers/app.js';
import { aUser } from '../../helpers/builders.js';
import { aCallTask } from '../../helpers/builders-telephony.js';
import { useTestDb } from '../../helpers/db.js';
import { FakeTwilio, freePort } from '../../helpers/fake-twilio/server.js';

const officeCallerId = '+915122300001';
const callerPhone = '+919450000001';

describe('telephony through the app (fake Twilio)', () => {
  const t = useTestDb();
  let fake: FakeTwilio;
  let server: RunningServer;
  let deps: AppDeps;
  let events: Array<{ name: keyof DomainEvents; payload: unknown }>;

  async function start(fakeCallerIds = [officeCallerId]) {
    fake = await FakeTwilio.start({ callerIds: fakeCallerIds });
    const port = await freePort();
    // 11:30 in Kanpur on a working day: inside the queue's calling hours.
    deps = testDeps(t.db, {
      clock: fixedClock('2026-11-23T06:00:00Z'),
      config: fake.deskConfig(port, officeCallerId),
    });
    events = [];
    for (const name of ['attempt:updated', 'task:changed', 'outcome:recorded', 'caller:state'] as const) {
      deps.events.on(name, (payload) => events.push({ name, payload }));
    }
    server = await startServer(deps, port, '127.0.0.1');
  }

  afterEach(async () => {
    await server?.close();
    await fake?.close();
  });

  async function aSignedInCaller() {
    const caller = await aUser(t.db, { role: 'caller', phone: callerPhone });
    const client = await new TestClient(server.url).signIn(caller.username, caller.password);
    await client.getPage('/?lang=en');
    return { caller, client };
  }

  const attemptRow = async (id: number) =>
    (await t.db('call_attempts').where({ id }).first()) as Record<string, unknown>;
  const attemptStates = () =>
    events
      .filter((e) => e.name === 'attempt:updated')
      .map((e) => (e.payload as { callStatus: string }).callStatus);

  describe('the masked bridge', () => {
    beforeEach(() => start());

    it('rings the caller, bridges to the complainant, and puts every state on the attempt and the board', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), queuedFor: caller.id });
      const claim = await new CallQueue(t.db, deps.clock, deps.events).claimNextTask(caller.id);
      expect(claim.task?.id).to.equal(task.taskId);

      const placed = await client.post(`/api/telephony/tasks/${task.taskId}/call`);
      expect(placed.status).to.equal(201);
      expect(placed.text).not.to.include(task.mobile.slice(-10));
      const { attemptId } = placed.json().data;
      // The bridge is the attempt the claim opened, so the outcome the caller records lands on it.
      expect(attemptId).to.equal(claim.task!.current_attempt_id);

      const [call] = fake.createdCalls();
      expect([call!.to, call!.from]).to.deep.equal([callerPhone, officeCallerId]);
      await fake.progressCall(call!.sid, ['initiated', 'ringing', 'in-progress']);
      const dial = await fake.dial(call!.sid, ['initiated', 'ringing', 'in-progress', 'completed'], {
        duration: 95,
      });
      await fake.progressCall(call!.sid, ['completed'], { duration: 110 });
      expect(fake.call(dial.childSid)).to.include({ from: officeCallerId, to: task.mobile });
      expect(fake.webhooks.every((w) => w.status < 300)).to.equal(true);

      expect(await attemptRow(attemptId)).to.include({
        channel: 'bridge',
        call_sid: call!.sid,
        caller_leg_status: 'completed',
        complainant_leg_status: 'completed',
        call_status: 'ended',
        duration_seconds: 95,
        sip_response_code: 200,
      });
      expect(attemptStates()).to.deep.equal(['ringing_caller', 'dialling', 'ringing', 'connected', 'ended']);
      expect(events.find((e) => e.name === 'attempt:updated')!.payload).to.include({
        attemptId,
        taskId: task.taskId,
        sessionId: task.sessionId,
      });

      const callerStates = events
        .filter((e) => e.name === 'caller:state')
        .map((e) => (e.payload as { state: string; userId: number }).state);
      expect(callerStates).to.deep.equal(['dialling', 'dialling', 'on-call', 'wrapping-up']);

      const seen = await client.get(`/api/telephony/attempts/${attemptId}`);
      expect(seen.json().data).to.include({ state: 'ended', finished: true, stateLabel: 'Call ended' });
      expect(seen.text).not.to.include(task.mobile.slice(-10));
      // A conversation happened: the caller records the outcome; the task stays theirs.
      expect(
        await t.db('call_tasks').where({ id: task.taskId }).first('status', 'lease_user_id'),
      ).to.deep.equal({ status: 'claimed', lease_user_id: caller.id });
    });

    it('refuses forged and unsigned webhooks with 403 and changes nothing', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      const { attemptId } = (await client.post(`/api/telephony/tasks/${task.taskId}/call`)).json().data;
      const [call] = fake.createdCalls();
      const before = await attemptRow(attemptId);
      const eventsBefore = events.length;

      const url = `${deps.config.publicBaseUrl}/telephony/attempts/${attemptId}/caller-status`;
      const params = { CallSid: call!.sid, CallStatus: 'completed', CallDuration: '300' };
      const forged = await fake.deliver(url, params, { signature: 'bm90LWEtc2lnbmF0dXJl' });
      const unsigned = await fake.deliver(url, params, { signature: null });
      const otherToken = await fake.deliver(
        `${deps.config.publicBaseUrl}/telephony/attempts/${attemptId}/complainant-status`,
        { ...params, CallStatus: 'no-answer' },
        { signature: 'x'.repeat(28) },
      );

      expect([forged.status, unsigned.status, otherToken.status]).to.deep.equal([403, 403, 403]);
      expect(await attemptRow(attemptId)).to.deep.equal(before);
      expect(events.length).to.equal(eventsBefore);
    });

    it('applies a callback Twilio sends twice only once', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      const { attemptId } = (await client.post(`/api/telephony/tasks/${task.taskId}/call`)).json().data;
      const [call] = fake.createdCalls();
      const [ringing] = await fake.progressCall(call!.sid, ['ringing']);
      const auditCount = async () =>
        Number(
          (
            (await t
              .db('audit_log')
              .where({ action: 'telephony.call.status' })
              .count({ n: '*' })
              .first()) as {
              n: number;
            }
          ).n,
        );
      const eventsAfterFirst = events.length;
      const auditsAfterFirst = await auditCount();

      const replay = await fake.deliver(ringing!.url, ringing!.params);
      expect(replay.status).to.equal(204);
      expect(events.length).to.equal(eventsAfterFirst);
      expect(await auditCount()).to.equal(auditsAfterFirst);
      expect(await attemptRow(attemptId)).to.include({ caller_leg_status: 'ringing' });
    });

    it('turns no answer into the retry rule without the caller typing anything', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      const { attemptId } = (await client.post(`/api/telephony/tasks/${task.taskId}/call`)).json().data;
      const [call] = fake.createdCalls();
      await fake.progressCall(call!.sid, ['initiated', 'ringing', 'in-progress']);
      await fake.dial(call!.sid, ['initiated', 'ringing', 'no-answer']);

      expect(await attemptRow(attemptId)).to.include({
        call_status: 'not_connected',
        disposition: 'no_answer',
      });
      const after = await t.db('call_tasks').where({ id: task.taskId }).first();
      expect(after).to.include({
        status: 'queued',
        attempts: 1,
        last_disposition: 'no_answer',
        lease_user_id: null,
      });
      expect(after.due_at > after.updated_at).to.equal(true);
      const [outcome] = await t.db('outcomes').where({ task_id: task.taskId });
      expect(outcome).to.include({
        disposition: 'no_answer',
        aapor_code: '3.13',
        attempt_id: attemptId,
        user_id: caller.id,
      });
      expect(events.some((e) => e.name === 'task:changed')).to.equal(true);
    });

    it('says so on the attempt when the caller does not pick up, and keeps the task with them', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      const { attemptId } = (await client.post(`/api/telephony/tasks/${task.taskId}/call`)).json().data;
      await fake.progressCall(fake.createdCalls()[0]!.sid, ['initiated', 'ringing', 'no-answer']);
      const seen = (await client.get(`/api/telephony/attempts/${attemptId}`)).json().data;
      expect(seen).to.include({ state: 'caller_unreachable', finished: true });
      expect(seen.errorMessage).to.equal(translate('en', 'telephony.error.callerDidNotAnswer'));
      expect(await t.db('call_tasks').where({ id: task.taskId }).first('status')).to.deep.equal({
        status: 'claimed',
      });
    });

    it('says to press Call again when Twilio is rate limiting, and the next press goes through', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      fake.rateLimitNext(10);
      const limited = await client.post(`/api/telephony/tasks/${task.taskId}/call`);
      expect(limited.status).to.equal(503);
      expect(limited.json().error.message).to.equal(translate('en', 'telephony.error.rateLimited'));
      fake.rateLimitNext(0);
      const again = await client.post(`/api/telephony/tasks/${task.taskId}/call`);
      expect(again.status).to.equal(201);
      expect(fake.createdCalls()).to.have.length(1);
      const attempts = await t.db('call_attempts').where({ task_id: task.taskId }).orderBy('id');
      expect(attempts.map((a) => a.call_status)).to.deep.equal(['not_placed', 'ringing_caller']);
    });

    it("takes Twilio's first callback even when it beats the API's answer with the call's SID", async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      const { attemptId } = (await client.post(`/api/telephony/tasks/${task.taskId}/call`)).json().data;
      const [call] = fake.createdCalls();
      await t.db('call_attempts').where({ id: attemptId }).update({ call_sid: null });
      await fake.progressCall(call!.sid, ['ringing']);
      expect(await attemptRow(attemptId)).to.include({ call_sid: call!.sid, caller_leg_status: 'ringing' });
    });

    it('places one call when Call is pressed twice', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      const presses = await Promise.all([
        client.post(`/api/telephony/tasks/${task.taskId}/call`),
        client.post(`/api/telephony/tasks/${task.taskId}/call`),
      ]);
      expect(presses.map((p) => p.status).sort()).to.deep.equal([201, 409]);
      expect(presses.find((p) => p.status === 409)!.json().error.key).to.equal(
        'telephony.error.callInProgress',
      );
      expect(fake.createdCalls()).to.have.length(1);
    });

    it('refuses a call for a task the caller does not hold', async () => {
      const { client } = await aSignedInCaller();
      const other = await aUser(t.db, { role: 'caller' });
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: other.id });
      const refused = await client.post(`/api/telephony/tasks/${task.taskId}/call`);
      expect(refused.status).to.equal(409);
      expect(refused.json().error.key).to.equal('telephony.error.taskNotHeld');
      expect(fake.createdCalls()).to.have.length(0);
    });

    it('plays a recording to supervisors only, and deletes it after the retention period', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id, recordCalls: true });
      const { attemptId } = (await client.post(`/api/telephony/tasks/${task.taskId}/call`)).json().data;
      const [call] = fake.createdCalls();
      await fake.progressCall(call!.sid, ['initiated', 'ringing', 'in-progress']);
      const dial = await fake.dial(call!.sid, ['initiated', 'ringing', 'in-progress', 'completed'], {
        duration: 60,
      });
      expect(dial.consentTwiml).to.include(translate('hi', 'telephony.consent.announcement'));
      expect(await attemptRow(attemptId)).to.include({
        recording_sid: dial.recordingSid,
        recording_seconds: 60,
      });

      expect((await client.get(`/telephony/attempts/${attemptId}/audio`)).status).to.equal(403);
      const boss = await aUser(t.db, { role: 'supervisor', districts: ['kanpur-nagar'] });
      const supervisor = await new TestClient(server.url).signIn(boss.username, boss.password);
      const audio = await supervisor.get(`/telephony/attempts/${attemptId}/audio`);
      expect(audio.status).to.equal(200);
      expect(audio.headers.get('content-type')).to.include('audio/mpeg');

      const service = createTelephonyService({
        ...deps,
        clock: { now: () => deps.clock.now().plus({ days: 31 }) },
      });
      expect(await service.deleteExpiredRecordings()).to.equal(1);
      expect(fake.recordings.get(dial.recordingSid!)!.status).to.equal('deleted');
      expect((await attemptRow(attemptId)).recording_deleted_at).to.be.a('string');
      expect((await supervisor.get(`/telephony/attempts/${attemptId}/audio`)).status).to.equal(404);
      expect(await service.deleteExpiredRecordings()).to.equal(0);
    });
  });

  describe('errors from Twilio', () => {
    beforeEach(() => start(['+915122399999']));

    it('puts a translated reason on the attempt and the screen, and the task is not lost', async () => {
      const { caller, client } = await aSignedInCaller();
      const task = await aCallTask(t.db, { now: deps.clock.now(), heldBy: caller.id });
      const refused = await client.post(`/api/telephony/tasks/${task.taskId}/call`);
      expect(refused.status).to.equal(502);
      expect(refused.json().error).to.include({
        key: 'telephony.error.unverifiedCallerId',
        message: translate('en', 'telephony.error.unverifiedCallerId'),
      });
      const attempt = (await t.db('call_attempts').where({ task_id: task.taskId }).first()) as Record<
        string,
        unknown
      >;
      expect(attempt).to.include({
        call_status: 'not_placed',
        error_key: 'telephony.error.unverifiedCallerId',
        twilio_error_code: 21210,
      });
      expect(
        await t.db('call_tasks').where({ id: task.taskId }).first('status', 'lease_user_id'),
      ).to.deep.equal({ status: 'claimed', lease_user_id: caller.id });
      expect(attemptStates()).to.deep.equal(['not_placed']);
    });
  });

  describe('the IVR', () => {
    beforeEach(() => start());

    async function anIvrRun() {
      const task = await aCallTask(t.db, { now: deps.clock.now() });
      const boss = await aUser(t.db, { role: 'supervisor', districts: ['kanpur-nagar'] });
      const supervisor = await new TestClient(server.url).signIn(boss.username, boss.password);
      const run = await supervisor.post(`/api/telephony/sessions/${task.sessionId}/ivr`, { limit: 10 });
      expect(run.status).to.equal(200);
      expect(run.json().data).to.include({ started: 1, refused: 0 });
      const [call] = fake.createdCalls();
      expect(call!.to).to.equal(task.mobile);
      const attempt = (await t.db('call_attempts').where({ task_id: task.taskId }).first()) as {
        id: number;
        channel: string;
      };
      expect(attempt.channel).to.equal('ivr');
      await fake.progressCall(call!.sid, ['initiated', 'ringing', 'in-progress']);
      return { task, callSid: call!.sid, attemptId: attempt.id };
    }

    it('takes the keypad answer to the outcome a caller would record, with its flag', async () => {
      const { task, callSid, attemptId } = await anIvrRun();
      // The message names the reference, read digit by digit.
      expect(await fake.twimlFor(callSid)).to.include(spellOut(task.referenceNo));
      await fake.pressKeys(callSid, '2');
      await fake.progressCall(callSid, ['completed'], { duration: 41 });
      // Twilio retries the keypad webhook: still one outcome.
      const answer = fake.webhooks.find((w) => w.url.includes('/ivr-answer'))!;
      expect((await fake.deliver(answer.url, answer.params)).status).to.equal(200);

      const outcomes = await t.db('outcomes').where({ task_id: task.taskId });
      expect(outcomes).to.have.length(1);
      expect(outcomes[0]).to.include({ verdict: 'unsatisfied', attempt_id: attemptId, user_id: null });
      expect(await attemptRow(attemptId)).to.include({
        disposition: 'complete',
        ivr_digits: '2',
        call_status: 'ended',
        duration_seconds: 41,
      });
      expect(await t.db('call_tasks').where({ id: task.taskId }).first('status')).to.deep.equal({
        status: 'done',
      });
      expect(await t.db('report_flags').where({ complaint_id: task.complaintId })).to.have.length(1);
      expect(events.filter((e) => e.name === 'outcome:recorded')).to.have.length(1);
    });

    it("speaks the office's own texts once an administrator sets them", async () => {
      const admin = await aUser(t.db, { role: 'admin', districts: 'all' });
      const client = await new TestClient(server.url).signIn(admin.username, admin.password);
      const prompt = 'राम राम। संदर्भ {reference}, विभाग {department}। संतुष्ट हों तो 1 दबाएँ, असंतुष्ट हों तो 2।';
      const unknownKey = await client.request('PUT', '/api/telephony/speech', {
        texts: { 'no.such.key': 'x' },
      });
      expect(unknownKey.status).to.equal(400);
      const saved = await client.request('PUT', '/api/telephony/speech', {
        texts: { 'telephony.ivr.prompt': prompt },
      });
      expect(saved.status).to.equal(200);
      const listed = (await client.get('/api/telephony/speech')).json().data.texts as Array<{
        key: string;
        override: string | null;
      }>;
      expect(listed.find((x) => x.key === 'telephony.ivr.prompt')!.override).to.equal(prompt);

      const { task, callSid } = await anIvrRun();
      const twiml = await fake.twimlFor(callSid);
      expect(twiml).to.include(`राम राम। संदर्भ ${spellOut(task.referenceNo)}, विभाग`);
      expect(await t.db('audit_log').where({ action: 'telephony.speech.changed' })).to.have.length(1);
    });

    it('leaves the task alone when the answer comes after the task passed to a person', async () => {
      const { task, callSid, attemptId } = await anIvrRun();
      const person = await aUser(t.db, { role: 'caller' });
      const [manual] = await t.db('call_attempts').insert({
        task_id: task.taskId,
        user_id: person.id,
        channel: 'manual',
        started_at: '2026-11-23 06:20:00.000',
      });
      await t
        .db('call_tasks')
        .where({ id: task.taskId })
        .update({ lease_user_id: person.id, current_attempt_id: manual });
      await fake.pressKeys(callSid, '1');
      expect(await t.db('outcomes').where({ task_id: task.taskId })).to.have.length(0);
      expect(
        await t.db('call_tasks').where({ id: task.taskId }).first('status', 'lease_user_id'),
      ).to.deep.equal({
        status: 'claimed',
        lease_user_id: person.id,
      });
      expect(await attemptRow(attemptId)).to.include({ ivr_digits: '1', disposition: null });
    });

    it('queues a call-back by a person when the complainant presses 3', async () => {
      const { task, callSid } = await anIvrRun();
      await fake.pressKeys(callSid, '3');
      await fake.progressCall(callSid, ['completed'], { duration: 20 });
      expect(
        await t.db('call_tasks').where({ id: task.taskId }).first('status', 'is_callback'),
      ).to.deep.include({
        status: 'queued',
      });
      const row = await t.db('call_tasks').where({ id: task.taskId }).first('is_callback');
      expect(Boolean(row.is_callback)).to.equal(true);
      const outcomes = await t.db('outcomes').where({ task_id: task.taskId });
      expect(outcomes.map((o) => [o.disposition, o.verdict])).to.deep.equal([['callback_requested', null]]);
    });

    it('hands a task Twilio will not call back to the queue for a person, and goes on with the next', async () => {
      const bad = await aCallTask(t.db, { now: deps.clock.now(), mobile: '12345' });
      const service = createTelephonyService(deps);
      expect(await service.startIvrCalls(null, bad.sessionId)).to.deep.equal({ started: 0, refused: 1 });
      const task = await t.db('call_tasks').where({ id: bad.taskId }).first();
      expect(task).to.include({ status: 'queued', lease_expires_at: null });
      expect(Boolean(task.is_callback)).to.equal(true);
      expect(
        await t.db('call_attempts').where({ task_id: bad.taskId }).first('error_key', 'call_status'),
      ).to.deep.equal({
        error_key: 'telephony.error.complainantPhoneInvalid',
        call_status: 'not_placed',
      });
    });

    it("places no automated call outside calling hours or on the district's holiday", async () => {
      const task = await aCallTask(t.db, { now: deps.clock.now() });
      const service = createTelephonyService(deps);
      const [district] = await t.db('feedback_sessions').where({ id: task.sessionId }).pluck('district_id');
      await t.db('district_holidays').insert({ district_id: district, day: '2026-11-23', name: 'अवकाश' });
      const refusal = await service.startIvrCalls(null, task.sessionId).catch((e: { key: string }) => e);
      expect(refusal).to.include({ key: 'telephony.error.outsideCallingHours' });
      await t.db('district_holidays').del();
      const evening = createTelephonyService({ ...deps, clock: fixedClock('2026-11-23T14:00:00Z') });
      const late = await evening.startIvrCalls(null, task.sessionId).catch((e: { key: string }) => e);
      expect(late).to.include({ key: 'telephony.error.outsideCallingHours' });
      expect(fake.createdCalls()).to.have.length(0);
      expect(await t.db('call_tasks').where({ id: task.taskId }).first('status')).to.deep.equal({
        status: 'queued',
      });
    });

    it('follows the retry rule when the complainant does not answer', async () => {
      const task = await aCallTask(t.db, { now: deps.clock.now() });
      const service = createTelephonyService(deps);
      expect(await service.startIvrCalls(null, task.sessionId)).to.deep.equal({ started: 1, refused: 0 });
      await fake.progressCall(fake.createdCalls()[0]!.sid, ['initiated', 'ringing', 'no-answer']);
      const after = await t.db('call_tasks').where({ id: task.taskId }).first();
      expect(after).to.include({ status: 'queued', attempts: 1, last_disposition: 'no_answer' });
      expect(Boolean(after.is_callback)).to.equal(false);
      const logged = await t
        .db('audit_log')
        .where({ action: 'outcome.recorded', entity_id: String(task.taskId) });
      expect(logged).to.have.length(1);
    });

    it('ends the task unreachable after the last unanswered attempt, audited, when no reserve is left', async () => {
      const task = await aCallTask(t.db, { now: deps.clock.now() });
      await t.db('call_tasks').where({ id: task.taskId }).update({ attempts: 2 });
      const service = createTelephonyService(deps);
      await service.startIvrCalls(null, task.sessionId);
      await fake.progressCall(fake.createdCalls()[0]!.sid, ['initiated', 'ringing', 'no-answer']);
      const after = await t.db('call_tasks').where({ id: task.taskId }).first();
      expect(after).to.include({ status: 'unreachable', attempts: 3 });
      const logged = await t
        .db('audit_log')
        .where({ action: 'outcome.recorded', entity_id: String(task.taskId) });
      expect(JSON.parse(logged[0].after_state)).to.include({ status: 'unreachable', by: 'telephony' });
    });
  });
});
