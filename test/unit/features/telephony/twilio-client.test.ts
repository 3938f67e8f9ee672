// The Twilio adapter drives the real twilio SDK against the fake Twilio server; nothing leaves the machine.
import { expect } from 'chai';
import {
  createTelephony,
  ManualTelephony,
  TelephonyError,
  type Telephony,
} from '../../../../server/features/telephony/telephony.js';
import { createSpeak } from '../../../../server/features/telephony/twiml.js';
import {
  createTwilioSdkClient,
  redirectTwilioUrl,
  TwilioTelephony,
} from '../../../../server/features/telephony/twilio-client.js';
import { t } from '../../../../server/shared/i18n.js';
import { fakeSid, FakeTwilio } from '../../../helpers/fake-twilio/server.js';
import { findElements, readTwiml } from '../../../helpers/fake-twilio/twiml-reader.js';

const officeCallerId = '+915122300001';
const callerPhone = '+919450000001';
const complainantPhone = '+919812345678';
const publicBaseUrl = 'https://desk.example.gov.in';
const speak = createSpeak((key, params) => t('hi', key, params));

function telephonyFor(
  fake: FakeTwilio,
  overrides: { authToken?: string; callerId?: string } = {},
): Telephony {
  return createTelephony({
    twilio: {
      accountSid: fake.accountSid,
      authToken: overrides.authToken ?? fake.authToken,
      callerId: overrides.callerId ?? officeCallerId,
    },
    publicBaseUrl,
    apiBaseUrl: fake.baseUrl,
    speak,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<TelephonyError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(TelephonyError);
    return error as TelephonyError;
  }
  throw new Error('expected the call to fail');
}

const aBridge = { callerPhone, complainantPhone, attemptId: 42, record: false };
const anIvr = { complainantPhone, attemptId: 43, referenceNumber: '40015725001234', departmentName: 'राजस्व' };

describe('Twilio telephony against the fake Twilio server', () => {
  let fake: FakeTwilio;
  let telephony: Telephony;

  beforeEach(async () => {
    fake = await FakeTwilio.start({
      callerIds: [officeCallerId],
      unreachableNumbers: ['+919999999999'],
      blockedNumbers: ['+923001234567'],
    });
    telephony = telephonyFor(fake);
  });
  afterEach(() => fake.close());

  describe('choosing the mode', () => {
    it('is manual without the Twilio settings or without a public base URL', async () => {
      const noTwilio = createTelephony({ twilio: undefined, publicBaseUrl, speak });
      const noBase = createTelephony({
        twilio: { accountSid: fake.accountSid, authToken: fake.authToken, callerId: officeCallerId },
        publicBaseUrl: undefined,
        speak,
      });
      for (const manual of [noTwilio, noBase]) {
        expect(manual).to.be.instanceOf(ManualTelephony);
        expect(await manual.startBridgeCall(aBridge)).to.equal(null);
        expect(await manual.startIvrCall(anIvr)).to.equal(null);
      }
      expect(telephony.mode).to.equal('twilio');
      expect(fake.requests).to.have.length(0);
    });
  });

  describe('the bridge', () => {
    it("rings the caller's phone from the office number and gives Twilio the bridge TwiML", async () => {
      const result = await telephony.startBridgeCall(aBridge);
      expect(result?.callSid).to.match(/^CA[0-9a-f]{32}$/);

      expect(fake.requests).to.have.length(1);
      const [request] = fake.requests;
      expect(request).to.include({ method: 'POST', authorized: true, responseStatus: 201 });
      expect(request.path).to.equal(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
      expect(request.params).to.include({
        To: callerPhone,
        From: officeCallerId,
        StatusCallback: `${publicBaseUrl}/telephony/attempts/42/caller-status`,
        StatusCallbackMethod: 'POST',
      });
      expect(request.params.StatusCallbackEvent).to.deep.equal([
        'initiated',
        'ringing',
        'answered',
        'completed',
      ]);

      const call = fake.call(result!.callSid);
      expect(call).to.include({ to: callerPhone, from: officeCallerId, status: 'queued' });
      const number = findElements(readTwiml(call.twiml!), 'Number')[0];
      expect(number.text).to.equal(complainantPhone);
      expect(findElements(readTwiml(call.twiml!), 'Dial')[0].attributes.callerId).to.equal(officeCallerId);
    });

    it('refuses a complainant number that is not E.164 before asking Twilio', async () => {
      const error = await failureOf(
        telephony.startBridgeCall({ ...aBridge, complainantPhone: '98123 45678' }),
      );
      expect(error).to.include({ key: 'telephony.error.complainantPhoneInvalid', status: 422 });
      expect(fake.requests).to.have.length(0);
    });

    it("says so when the caller's profile has no phone", async () => {
      const error = await failureOf(telephony.startBridgeCall({ ...aBridge, callerPhone: '' }));
      expect(error.key).to.equal('telephony.error.noCallerPhone');
    });

    it("blames the caller's own number when Twilio rejects the 'To' of a bridge", async () => {
      const error = await failureOf(telephony.startBridgeCall({ ...aBridge, callerPhone: '+91123' }));
      expect(error).to.include({
        key: 'telephony.error.callerPhoneInvalid',
        twilioCode: 21211,
        retryable: false,
      });
      expect(fake.requests[0].responseStatus).to.equal(400);
    });
  });

  describe('the IVR', () => {
    it('calls the complainant with the IVR TwiML and its status callback', async () => {
      const result = await telephony.startIvrCall(anIvr);
      const [request] = fake.requests;
      expect(request.params).to.include({
        To: complainantPhone,
        From: officeCallerId,
        StatusCallback: `${publicBaseUrl}/telephony/attempts/43/complainant-status`,
      });
      const doc = readTwiml(fake.call(result!.callSid).twiml!);
      expect(findElements(doc, 'Gather')).to.have.length(2);
    });
  });

  describe("Twilio's errors become translated reasons", () => {
    it('bad credentials (20003, 401)', async () => {
      const error = await failureOf(telephonyFor(fake, { authToken: 'wrong' }).startBridgeCall(aBridge));
      expect(error).to.include({ key: 'telephony.error.badCredentials', twilioCode: 20003 });
      expect(fake.requests[0]).to.include({ authorized: false, responseStatus: 401 });
      expect(fake.createdCalls()).to.have.length(0);
    });

    it('an invalid complainant number on an IVR call (21211)', async () => {
      const error = await failureOf(telephony.startIvrCall({ ...anIvr, complainantPhone: '+9100' }));
      expect(error.key).to.equal('telephony.error.complainantPhoneInvalid');
    });

    it('an unreachable number (21214)', async () => {
      const error = await failureOf(telephony.startIvrCall({ ...anIvr, complainantPhone: '+919999999999' }));
      expect(error).to.include({ key: 'telephony.error.complainantPhoneUnreachable', twilioCode: 21214 });
    });

    it('a number the geographic permissions do not allow (21215)', async () => {
      const error = await failureOf(telephony.startIvrCall({ ...anIvr, complainantPhone: '+923001234567' }));
      expect(error).to.include({ key: 'telephony.error.callsNotPermitted', twilioCode: 21215 });
    });

    it('an office caller ID the account has not verified (21210)', async () => {
      const error = await failureOf(
        telephonyFor(fake, { callerId: '+915122399999' }).startBridgeCall(aBridge),
      );
      expect(error).to.include({ key: 'telephony.error.unverifiedCallerId', twilioCode: 21210 });
    });

    it('a rate limit that outlasts the retries (20429, 429)', async () => {
      fake.rateLimitNext(10);
      const error = await failureOf(telephony.startBridgeCall(aBridge));
      expect(error).to.include({ key: 'telephony.error.rateLimited', retryable: true, status: 503 });
      expect(fake.requests.map((r) => r.responseStatus)).to.deep.equal([429, 429, 429]);
      expect(fake.createdCalls()).to.have.length(0);
    });

    it('a brief rate limit is retried and the call placed', async () => {
      fake.rateLimitNext(1);
      const result = await telephony.startBridgeCall(aBridge);
      expect(fake.requests.map((r) => r.responseStatus)).to.deep.equal([429, 201]);
      expect(fake.createdCalls().map((c) => c.sid)).to.deep.equal([result!.callSid]);
    });

    it('Twilio out of reach', async () => {
      const baseUrl = fake.baseUrl;
      await fake.close();
      const error = await failureOf(
        createTelephony({
          twilio: { accountSid: fake.accountSid, authToken: fake.authToken, callerId: officeCallerId },
          publicBaseUrl,
          apiBaseUrl: baseUrl,
          speak,
        }).startBridgeCall(aBridge),
      );
      expect(error).to.include({ key: 'telephony.error.unavailable', retryable: true });
    });
  });

  describe('hanging up and recordings', () => {
    it('ends a call in progress, and hanging up an ended or unknown call is not an error', async () => {
      const { callSid } = (await telephony.startBridgeCall(aBridge))!;
      fake.call(callSid).status = 'in-progress';
      await telephony.hangup(callSid);
      expect(fake.call(callSid).status).to.equal('completed');
      const update = fake.requests.at(-1)!;
      expect(update).to.include({
        method: 'POST',
        path: `/2010-04-01/Accounts/${fake.accountSid}/Calls/${callSid}.json`,
      });
      expect(update.params).to.deep.equal({ Status: 'completed' });

      await telephony.hangup(callSid);
      expect(fake.requests.at(-1)!.responseStatus).to.equal(400); // 21220, swallowed
      await telephony.hangup(fakeSid('CA'));
      expect(fake.requests.at(-1)!.responseStatus).to.equal(404);
    });

    it('cancels a call that is still ringing', async () => {
      const { callSid } = (await telephony.startBridgeCall(aBridge))!;
      fake.call(callSid).status = 'ringing';
      await telephony.hangup(callSid);
      expect(fake.call(callSid).status).to.equal('canceled');
    });

    it('fetches the audio with the account credentials and deletes a recording once', async () => {
      const sid = fakeSid('RE');
      fake.recordings.set(sid, {
        sid,
        callSid: fakeSid('CA'),
        duration: 61,
        status: 'completed',
        dateCreated: new Date(),
      });
      const audio = await telephony.fetchRecordingAudio(sid);
      expect(audio.contentType).to.equal('audio/mpeg');
      expect(audio.body.subarray(0, 3).toString()).to.equal('ID3');
      expect(fake.requests.at(-1)).to.include({ method: 'GET', authorized: true });

      await telephony.deleteRecording(sid);
      expect(fake.recordings.get(sid)!.status).to.equal('deleted');
      await telephony.deleteRecording(sid); // already gone: fine
      const error = await failureOf(telephony.fetchRecordingAudio(sid));
      expect(error).to.include({ key: 'telephony.error.recordingUnavailable', status: 404 });
    });

    it('ignores SIDs that are not Twilio SIDs instead of putting them in a URL', async () => {
      await telephony.hangup('../../Accounts');
      await telephony.deleteRecording('RE/../x');
      expect(fake.requests).to.have.length(0);
    });
  });

  describe('the SDK seam', () => {
    it('sends every *.twilio.com address to the given base, and leaves others alone', () => {
      const base = 'http://127.0.0.1:4010';
      expect(
        redirectTwilioUrl('https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json?x=1', base),
      ).to.equal(`${base}/2010-04-01/Accounts/AC1/Calls.json?x=1`);
      expect(
        redirectTwilioUrl('https://api.dublin.ie1.twilio.com/2010-04-01/Calls.json', `${base}/`),
      ).to.equal(`${base}/2010-04-01/Calls.json`);
      expect(redirectTwilioUrl('https://example.com/a', base)).to.equal('https://example.com/a');
    });

    it('is the real SDK: fetching a call returns its resource, parsed by the SDK', async () => {
      const { callSid } = (await telephony.startBridgeCall(aBridge))!;
      const client = createTwilioSdkClient({
        accountSid: fake.accountSid,
        authToken: fake.authToken,
        apiBaseUrl: fake.baseUrl,
      });
      const call = await client.calls(callSid).fetch();
      expect(call).to.include({ sid: callSid, to: callerPhone, from: officeCallerId, status: 'queued' });
      expect(call.dateCreated).to.be.instanceOf(Date);
      expect(telephony).to.be.instanceOf(TwilioTelephony);
    });
  });
});
