// Webhooks get through only with a valid X-Twilio-Signature over the public URL and the posted parameters.
import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import twilio from 'twilio';
import { verifyTwilioSignature } from '../../../../server/features/telephony/verify-signature.js';
import { FakeTwilio } from '../../../helpers/fake-twilio/server.js';

interface Receiver {
  url: string;
  handled: Array<Record<string, unknown>>;
  refusals: Array<{ url: string; reason: string }>;
  close(): Promise<void>;
}

async function startReceiver(authToken: string, publicBaseUrl?: string): Promise<Receiver> {
  const handled: Receiver['handled'] = [];
  const refusals: Receiver['refusals'] = [];
  const app = express();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const check = verifyTwilioSignature({
    authToken,
    publicBaseUrl: publicBaseUrl ?? url,
    onRefused: (refusal) => refusals.push(refusal),
  });
  app.post('/telephony/attempts/:attemptId/complainant-status', check, (req, res) => {
    handled.push({ attemptId: req.params.attemptId, ...req.body });
    res.sendStatus(204);
  });
  app.get('/telephony/consent', check, (req, res) => {
    handled.push({ ...req.query });
    res.sendStatus(204);
  });
  return {
    url,
    handled,
    refusals,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const statusParams = { CallSid: 'CA' + '1'.repeat(32), CallStatus: 'ringing', To: '+919812345678' };

describe('verifyTwilioSignature', () => {
  let fake: FakeTwilio;
  let receiver: Receiver;

  beforeEach(async () => {
    fake = await FakeTwilio.start();
    receiver = await startReceiver(fake.authToken);
  });
  afterEach(async () => {
    await receiver.close();
    await fake.close();
  });

  it('lets a request signed with the account token through, with its parameters', async () => {
    const result = await fake.deliver(
      `${receiver.url}/telephony/attempts/9/complainant-status?leg=b`,
      statusParams,
    );
    expect(result.status).to.equal(204);
    expect(receiver.handled).to.deep.equal([{ attemptId: '9', ...statusParams }]);
  });

  it('refuses an unsigned request with 403 and never reaches the handler', async () => {
    const result = await fake.deliver(
      `${receiver.url}/telephony/attempts/9/complainant-status`,
      statusParams,
      {
        signature: null,
      },
    );
    expect(result.status).to.equal(403);
    expect(receiver.handled).to.have.length(0);
    expect(receiver.refusals.map((r) => r.reason)).to.deep.equal(['unsigned']);
  });

  it('refuses a request signed with another token', async () => {
    const url = `${receiver.url}/telephony/attempts/9/complainant-status`;
    const forged = twilio.getExpectedTwilioSignature('not-the-token', url, statusParams);
    const result = await fake.deliver(url, statusParams, { signature: forged });
    expect(result.status).to.equal(403);
    expect(receiver.handled).to.have.length(0);
    expect(receiver.refusals.map((r) => r.reason)).to.deep.equal(['forged']);
  });

  it('refuses a genuine signature replayed with changed parameters or on another attempt', async () => {
    const url = `${receiver.url}/telephony/attempts/9/complainant-status`;
    const genuine = twilio.getExpectedTwilioSignature(fake.authToken, url, statusParams);
    const tampered = await fake.deliver(
      url,
      { ...statusParams, CallStatus: 'completed' },
      { signature: genuine },
    );
    const moved = await fake.deliver(
      `${receiver.url}/telephony/attempts/10/complainant-status`,
      statusParams,
      {
        signature: genuine,
      },
    );
    expect([tampered.status, moved.status]).to.deep.equal([403, 403]);
    expect(receiver.handled).to.have.length(0);
  });

  it('checks a GET over its full URL, query included', async () => {
    const ok = await fake.deliver(`${receiver.url}/telephony/consent`, statusParams, { method: 'GET' });
    expect(ok.status).to.equal(204);
    expect(receiver.handled).to.deep.equal([statusParams]);
    const url = `${receiver.url}/telephony/consent?CallSid=CA${'2'.repeat(32)}`;
    const reused = await fake.deliver(url, {}, { method: 'GET', signature: ok.signature });
    expect(reused.status).to.equal(403);
  });

  it('checks against the public URL, not the Host the proxy forwards to', async () => {
    const behindProxy = await startReceiver(fake.authToken, 'https://desk.example.gov.in/igrs/');
    try {
      const publicUrl = 'https://desk.example.gov.in/igrs/telephony/attempts/5/complainant-status';
      const ok = await fake.deliver(publicUrl, statusParams, {
        deliverTo: behindProxy.url,
        stripPathPrefix: '/igrs',
      });
      expect(ok.status).to.equal(204);
      // Signed for the address the app listens on rather than the one Twilio was given: refused.
      const local = await fake.deliver(
        `${behindProxy.url}/telephony/attempts/5/complainant-status`,
        statusParams,
      );
      expect(local.status).to.equal(403);
      expect(behindProxy.handled).to.have.length(1);
    } finally {
      await behindProxy.close();
    }
  });
});
