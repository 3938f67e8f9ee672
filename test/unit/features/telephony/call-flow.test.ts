// Whole calls against the fake Twilio: the SDK places them, the fake plays them out, signed webhooks reach the router.
import { expect } from 'chai';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  attemptCallState,
  isLaterStatus,
  ivrOutcome,
  prefilledDisposition,
  type CallState,
  type TwilioCallStatus,
} from '../../../../server/features/telephony/call-status.js';
import { createTelephony, type Telephony } from '../../../../server/features/telephony/telephony.js';
import { createSpeak, defaultVoiceSettings } from '../../../../server/features/telephony/twiml.js';
import {
  telephonyWebhookRouter,
  type CallLegReport,
  type IvrAnswerReport,
  type RecordingReport,
  type TelephonyWebhookHandlers,
} from '../../../../server/features/telephony/webhook.routes.js';
import { t } from '../../../../server/shared/i18n.js';
import { FakeTwilio } from '../../../helpers/fake-twilio/server.js';
import { findElements, readTwiml } from '../../../helpers/fake-twilio/twiml-reader.js';

const officeCallerId = '+915122300001';
const callerPhone = '+919450000001';
const complainantPhone = '+919812345678';
const speak = createSpeak((key, params) => t('hi', key, params));

interface AttemptRecord {
  callerLeg: TwilioCallStatus | null;
  complainantLeg: TwilioCallStatus | null;
  durationSeconds: number | null;
  sipResponseCode: number | null;
  states: CallState[];
  recording: RecordingReport | null;
  answers: IvrAnswerReport[];
}

/** Stands in for the attempts repository: applies reports the way the DB step must (idempotent, in order). */
class AttemptsInMemory implements TelephonyWebhookHandlers {
  readonly attempts = new Map<string, AttemptRecord>();
  readonly reports: CallLegReport[] = [];

  get(attemptId: string | number): AttemptRecord {
    const key = String(attemptId);
    let record = this.attempts.get(key);
    if (!record) {
      record = {
        callerLeg: null,
        complainantLeg: null,
        durationSeconds: null,
        sipResponseCode: null,
        states: [],
        recording: null,
        answers: [],
      };
      this.attempts.set(key, record);
    }
    return record;
  }

  async callLegStatus(report: CallLegReport): Promise<void> {
    this.reports.push(report);
    const attempt = this.get(report.attemptId);
    const field = report.leg === 'caller' ? 'callerLeg' : 'complainantLeg';
    if (!isLaterStatus(attempt[field], report.status)) return;
    attempt[field] = report.status;
    if (report.leg === 'complainant' && report.durationSeconds !== null) {
      attempt.durationSeconds = report.durationSeconds;
      attempt.sipResponseCode = report.sipResponseCode;
    }
    const state = attemptCallState(attempt);
    if (attempt.states.at(-1) !== state) attempt.states.push(state);
  }

  async recordingReady(report: RecordingReport): Promise<void> {
    this.get(report.attemptId).recording ??= report;
  }

  async ivrAnswered(report: IvrAnswerReport): Promise<void> {
    this.get(report.attemptId).answers.push(report);
  }
}

describe('telephony call flows against the fake Twilio', () => {
  let fake: FakeTwilio;
  let attempts: AttemptsInMemory;
  let server: Server;
  let appUrl: string;
  let telephony: Telephony;

  beforeEach(async () => {
    fake = await FakeTwilio.start({ callerIds: [officeCallerId] });
    attempts = new AttemptsInMemory();
    const app = express();
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app.use(
      telephonyWebhookRouter({
        authToken: fake.authToken,
        publicBaseUrl: appUrl,
        voice: defaultVoiceSettings,
        speak,
        handlers: attempts,
      }),
    );
    telephony = createTelephony({
      twilio: { accountSid: fake.accountSid, authToken: fake.authToken, callerId: officeCallerId },
      publicBaseUrl: appUrl,
      apiBaseUrl: fake.baseUrl,
      speak,
    });
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fake.close();
  });

  describe('the masked bridge', () => {
    it('rings the caller, dials the complainant, records with consent, and ends with the duration', async () => {
      const { callSid } = (await telephony.startBridgeCall({
        callerPhone,
        complainantPhone,
        attemptId: 42,
        record: true,
      }))!;

      const callerLeg = await fake.progressCall(callSid, ['queued', 'initiated', 'ringing', 'in-progress']);
      expect(callerLeg.map((w) => [w.url, w.params.CallStatus, w.status])).to.deep.equal([
        [`${appUrl}/telephony/attempts/42/caller-status`, 'initiated', 204],
        [`${appUrl}/telephony/attempts/42/caller-status`, 'ringing', 204],
        [`${appUrl}/telephony/attempts/42/caller-status`, 'in-progress', 204],
      ]);

      const dial = await fake.dial(callSid, ['initiated', 'ringing', 'in-progress', 'completed'], {
        duration: 95,
      });
      await fake.progressCall(callSid, ['completed'], { duration: 110 });

      const attempt = attempts.get(42);
      expect(attempt.states).to.deep.equal(['ringing_caller', 'dialling', 'ringing', 'connected', 'ended']);
      expect(attempt).to.include({
        callerLeg: 'completed',
        complainantLeg: 'completed',
        durationSeconds: 95,
      });
      expect(prefilledDisposition(attempt.complainantLeg!)).to.equal(null);

      // The complainant sees the office number; they hear the consent announcement on answering.
      expect(fake.call(dial.childSid)).to.include({ from: officeCallerId, to: complainantPhone });
      expect(findElements(readTwiml(dial.consentTwiml!), 'Say')[0].text).to.equal(
        t('hi', 'telephony.consent.announcement'),
      );

      expect(attempt.recording).to.deep.include({
        attemptId: '42',
        callSid,
        recordingSid: dial.recordingSid,
        durationSeconds: 95,
        recordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${fake.accountSid}/Recordings/${dial.recordingSid}`,
      });
      expect(fake.webhooks.every((w) => w.status < 300)).to.equal(true);
    });

    it('never shows the complainant number on anything sent to the caller', async () => {
      const { callSid } = (await telephony.startBridgeCall({
        callerPhone,
        complainantPhone,
        attemptId: 1,
        record: false,
      }))!;
      await fake.progressCall(callSid, ['initiated', 'ringing', 'in-progress']);
      await fake.dial(callSid, ['initiated', 'ringing', 'in-progress', 'completed'], { duration: 30 });
      await fake.progressCall(callSid, ['completed'], { duration: 35 });
      const callerCall = fake.call(callSid);
      expect([callerCall.to, callerCall.from]).to.deep.equal([callerPhone, officeCallerId]);
      const callerLegCallbacks = fake.webhooks.filter((w) => w.url.endsWith('/caller-status'));
      expect(callerLegCallbacks).to.have.length(4);
      expect(JSON.stringify(callerLegCallbacks)).not.to.include(complainantPhone);
    });

    it('pre-fills busy, and does not record a call that never connected', async () => {
      const { callSid } = (await telephony.startBridgeCall({
        callerPhone,
        complainantPhone,
        attemptId: 2,
        record: true,
      }))!;
      await fake.progressCall(callSid, ['initiated', 'ringing', 'in-progress']);
      const dial = await fake.dial(callSid, ['initiated', 'ringing', 'busy']);
      await fake.progressCall(callSid, ['completed'], { duration: 12 });
      const attempt = attempts.get(2);
      expect(attempt.states.at(-1)).to.equal('not_connected');
      expect(prefilledDisposition(attempt.complainantLeg!, attempt.sipResponseCode)?.code).to.equal('busy');
      expect([dial.recordingSid, dial.consentTwiml, attempt.recording]).to.deep.equal([null, null, null]);
    });

    it('reads a dead number from the SIP answer', async () => {
      const { callSid } = (await telephony.startBridgeCall({
        callerPhone,
        complainantPhone,
        attemptId: 3,
        record: false,
      }))!;
      await fake.progressCall(callSid, ['initiated', 'ringing', 'in-progress']);
      await fake.dial(callSid, ['initiated', 'failed'], { sipResponseCode: 404 });
      const attempt = attempts.get(3);
      expect(attempt.sipResponseCode).to.equal(404);
      expect(prefilledDisposition(attempt.complainantLeg!, attempt.sipResponseCode)?.code).to.equal(
        'not_in_service',
      );
    });

    it("stops at the caller's phone when the caller does not pick up", async () => {
      const { callSid } = (await telephony.startBridgeCall({
        callerPhone,
        complainantPhone,
        attemptId: 4,
        record: false,
      }))!;
      await fake.progressCall(callSid, ['initiated', 'ringing', 'no-answer']);
      const attempt = attempts.get(4);
      expect(attempt.states).to.deep.equal(['ringing_caller', 'caller_unreachable']);
      expect(attempt.complainantLeg).to.equal(null);
    });

    it('ignores a callback Twilio retries late', async () => {
      const { callSid } = (await telephony.startBridgeCall({
        callerPhone,
        complainantPhone,
        attemptId: 5,
        record: false,
      }))!;
      await fake.progressCall(callSid, ['initiated', 'ringing', 'in-progress']);
      await fake.dial(callSid, ['initiated', 'ringing', 'in-progress', 'completed'], { duration: 20 });
      const ringing = fake.webhooks.find(
        (w) => w.url.endsWith('/complainant-status') && w.params.CallStatus === 'ringing',
      )!;
      const replay = await fake.deliver(ringing.url, ringing.params);
      expect(replay.status).to.equal(204);
      expect(attempts.get(5).states.at(-1)).to.equal('ended');
      expect(attempts.get(5).complainantLeg).to.equal('completed');
    });

    it('refuses a forged status callback and changes nothing', async () => {
      const forged = await fake.deliver(
        `${appUrl}/telephony/attempts/6/complainant-status`,
        { CallSid: 'CA' + 'a'.repeat(32), CallStatus: 'completed', CallDuration: '300' },
        { signature: 'bm90LWEtc2lnbmF0dXJl' },
      );
      const unsigned = await fake.deliver(
        `${appUrl}/telephony/attempts/6/recording`,
        { CallSid: 'CA' + 'a'.repeat(32), RecordingSid: 'RE' + 'b'.repeat(32) },
        { signature: null },
      );
      expect([forged.status, unsigned.status]).to.deep.equal([403, 403]);
      expect(attempts.reports).to.have.length(0);
      expect(attempts.attempts.size).to.equal(0);
    });

    it('answers a signed but malformed callback with 400 and stores nothing', async () => {
      const result = await fake.deliver(`${appUrl}/telephony/attempts/7/complainant-status`, {
        CallSid: 'CA' + 'a'.repeat(32),
        CallStatus: 'exploded',
      });
      expect(result.status).to.equal(400);
      expect(attempts.reports).to.have.length(0);
    });
  });

  describe('the IVR', () => {
    async function anIvrCall(attemptId: number) {
      const { callSid } = (await telephony.startIvrCall({
        complainantPhone,
        attemptId,
        referenceNumber: '40015725001234',
        departmentName: 'नगर निगम',
      }))!;
      await fake.progressCall(callSid, ['initiated', 'ringing', 'in-progress']);
      const twiml = await fake.twimlFor(callSid);
      return { callSid, twiml };
    }

    it('takes the keypad answer to the outcome a caller would record', async () => {
      const { callSid, twiml } = await anIvrCall(10);
      expect(findElements(readTwiml(twiml), 'Say')[0].text).to.include('नगर निगम');

      const reply = await fake.pressKeys(callSid, '2');
      expect(findElements(readTwiml(reply), 'Say')[0].text).to.equal(
        t('hi', 'telephony.ivr.thanksUnsatisfied'),
      );
      expect(findElements(readTwiml(reply), 'Hangup')).to.have.length(1);
      await fake.progressCall(callSid, ['completed'], { duration: 41 });

      const attempt = attempts.get(10);
      expect(attempt.answers).to.deep.equal([
        { attemptId: '10', callSid, digits: '2', choice: 'unsatisfied', round: 1 },
      ]);
      expect(ivrOutcome(attempt.answers[0].choice)).to.deep.equal({
        disposition: 'complete',
        verdict: 'unsatisfied',
        needsHumanCall: false,
      });
      expect(attempt.states).to.deep.equal(['dialling', 'ringing', 'connected', 'ended']);
      expect(attempt.durationSeconds).to.equal(41);
    });

    it('asks again after a wrong key and takes the answer on the second try', async () => {
      const { callSid } = await anIvrCall(11);
      const again = await fake.pressKeys(callSid, '7');
      expect(findElements(readTwiml(again), 'Gather')).to.have.length(1);
      expect(attempts.get(11).answers).to.have.length(0);

      const reply = await fake.pressKeys(callSid, '1');
      expect(findElements(readTwiml(reply), 'Say')[0].text).to.equal(
        t('hi', 'telephony.ivr.thanksSatisfied'),
      );
      expect(attempts.get(11).answers).to.deep.equal([
        { attemptId: '11', callSid, digits: '1', choice: 'satisfied', round: 2 },
      ]);
    });

    it('takes an answer given during the repeat, and 3 asks for a person', async () => {
      const { callSid } = await anIvrCall(12);
      const reply = await fake.pressKeys(callSid, '3', { gather: 1 });
      expect(findElements(readTwiml(reply), 'Say')[0].text).to.equal(
        t('hi', 'telephony.ivr.callbackPromised'),
      );
      const [answer] = attempts.get(12).answers;
      expect(answer).to.include({ choice: 'wants_person', round: 2 });
      expect(ivrOutcome(answer.choice)).to.include({
        disposition: 'callback_requested',
        needsHumanCall: true,
      });
    });

    it('records no answer after two wrong keys, so a person calls back', async () => {
      const { callSid } = await anIvrCall(13);
      await fake.pressKeys(callSid, '8');
      const reply = await fake.pressKeys(callSid, '9');
      expect(findElements(readTwiml(reply), 'Say')[0].text).to.equal(t('hi', 'telephony.ivr.goodbye'));
      const [answer] = attempts.get(13).answers;
      expect(answer).to.include({ choice: null, round: 2 });
      expect(ivrOutcome(answer.choice).needsHumanCall).to.equal(true);
    });

    it('pre-fills no answer when the complainant does not pick up', async () => {
      const { callSid } = (await telephony.startIvrCall({
        complainantPhone,
        attemptId: 14,
        referenceNumber: '1',
        departmentName: 'x',
      }))!;
      await fake.progressCall(callSid, ['initiated', 'ringing', 'no-answer']);
      const attempt = attempts.get(14);
      expect(attempt.states.at(-1)).to.equal('not_connected');
      expect(prefilledDisposition(attempt.complainantLeg!)?.code).to.equal('no_answer');
    });
  });
});
