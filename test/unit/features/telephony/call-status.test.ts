// What Twilio's statuses, SIP codes, keys and errors become for an attempt.
import { expect } from 'chai';
import twilio from 'twilio';
import {
  attemptCallState,
  failureFromTwilioError,
  isLaterStatus,
  ivrChoiceFromDigits,
  ivrOutcome,
  prefilledDisposition,
} from '../../../../server/features/telephony/call-status.js';
import { hasMessage } from '../../../../server/shared/i18n.js';

function restError(status: number, code: number) {
  return new twilio.RestException({ statusCode: status, body: { code, message: 'x', status } });
}

describe('telephony call status', () => {
  describe('attemptCallState', () => {
    it('follows a bridge from ringing the caller to the complainant answering', () => {
      expect(attemptCallState({ callerLeg: 'initiated' })).to.equal('ringing_caller');
      expect(attemptCallState({ callerLeg: 'ringing' })).to.equal('ringing_caller');
      expect(attemptCallState({ callerLeg: 'in-progress' })).to.equal('dialling');
      expect(attemptCallState({ callerLeg: 'in-progress', complainantLeg: 'ringing' })).to.equal('ringing');
      expect(attemptCallState({ callerLeg: 'in-progress', complainantLeg: 'in-progress' })).to.equal(
        'connected',
      );
      expect(attemptCallState({ callerLeg: 'completed', complainantLeg: 'completed' })).to.equal('ended');
    });

    it('tells a caller who did not pick up apart from a complainant who did not', () => {
      for (const status of ['busy', 'no-answer', 'failed', 'canceled'] as const) {
        expect(attemptCallState({ callerLeg: status })).to.equal('caller_unreachable');
        expect(attemptCallState({ callerLeg: 'completed', complainantLeg: status })).to.equal(
          'not_connected',
        );
      }
    });

    it('keeps the complainant leg decisive whatever order the legs finish in', () => {
      expect(attemptCallState({ callerLeg: 'completed', complainantLeg: 'busy' })).to.equal('not_connected');
      expect(attemptCallState({ callerLeg: 'in-progress', complainantLeg: 'no-answer' })).to.equal(
        'not_connected',
      );
    });

    it('reads an IVR call from its only leg', () => {
      expect(attemptCallState({ complainantLeg: 'queued' })).to.equal('dialling');
      expect(attemptCallState({ complainantLeg: 'in-progress' })).to.equal('connected');
    });
  });

  describe('isLaterStatus', () => {
    it('lets a status move forward but never back, and never replaces a final one', () => {
      expect(isLaterStatus(null, 'ringing')).to.equal(true);
      expect(isLaterStatus('ringing', 'in-progress')).to.equal(true);
      expect(isLaterStatus('completed', 'ringing')).to.equal(false);
      expect(isLaterStatus('in-progress', 'in-progress')).to.equal(false);
      expect(isLaterStatus('busy', 'completed')).to.equal(false);
    });
  });

  describe('prefilledDisposition', () => {
    it('pre-fills non-contacts with their AAPOR codes', () => {
      expect(prefilledDisposition('busy')).to.deep.equal({ code: 'busy', aapor: '3.12' });
      expect(prefilledDisposition('no-answer')).to.deep.equal({ code: 'no_answer', aapor: '3.13' });
      expect(prefilledDisposition('failed', 480)?.code).to.equal('not_reachable');
      expect(prefilledDisposition('failed')?.code).to.equal('not_reachable');
    });

    it('reads a dead number from the SIP answer', () => {
      expect(prefilledDisposition('failed', 404)).to.deep.equal({ code: 'not_in_service', aapor: '4.30' });
      expect(prefilledDisposition('failed', 484)?.code).to.equal('not_in_service');
    });

    it('leaves a conversation or a cancelled call to a person', () => {
      expect(prefilledDisposition('completed')).to.equal(null);
      expect(prefilledDisposition('canceled')).to.equal(null);
    });
  });

  describe('the IVR keypad', () => {
    it('maps 1, 2 and 3, and nothing else', () => {
      expect(ivrChoiceFromDigits('1')).to.equal('satisfied');
      expect(ivrChoiceFromDigits('2')).to.equal('unsatisfied');
      expect(ivrChoiceFromDigits('3')).to.equal('wants_person');
      for (const other of ['4', '', '12', '#', undefined, ['1']])
        expect(ivrChoiceFromDigits(other)).to.equal(null);
    });

    it('turns an answer into the outcome a caller would record', () => {
      expect(ivrOutcome('satisfied')).to.deep.equal({
        disposition: 'complete',
        verdict: 'satisfied',
        needsHumanCall: false,
      });
      expect(ivrOutcome('unsatisfied').verdict).to.equal('unsatisfied');
      expect(ivrOutcome('wants_person')).to.include({
        disposition: 'callback_requested',
        needsHumanCall: true,
      });
      expect(ivrOutcome(null)).to.include({ verdict: null, needsHumanCall: true });
    });
  });

  describe('failureFromTwilioError', () => {
    it('names the party whose number is wrong', () => {
      expect(failureFromTwilioError(restError(400, 21211), 'caller').messageKey).to.equal(
        'telephony.error.callerPhoneInvalid',
      );
      expect(failureFromTwilioError(restError(400, 21211), 'complainant').messageKey).to.equal(
        'telephony.error.complainantPhoneInvalid',
      );
      expect(failureFromTwilioError(restError(400, 21214), 'complainant').messageKey).to.equal(
        'telephony.error.complainantPhoneUnreachable',
      );
    });

    it('marks rate limits and network failures as worth retrying, account problems not', () => {
      expect(failureFromTwilioError(restError(429, 20429), 'caller')).to.include({
        messageKey: 'telephony.error.rateLimited',
        retryable: true,
        twilioCode: 20429,
      });
      const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      expect(failureFromTwilioError(network, 'caller')).to.include({
        messageKey: 'telephony.error.unavailable',
        retryable: true,
      });
      expect(failureFromTwilioError(restError(401, 20003), 'caller')).to.include({
        messageKey: 'telephony.error.badCredentials',
        retryable: false,
      });
    });

    it('keeps the code of an error it has no words for', () => {
      const failure = failureFromTwilioError(restError(400, 13227), 'caller');
      expect(failure).to.deep.include({ messageKey: 'telephony.error.rejected', params: { code: 13227 } });
    });

    it('only ever answers with keys both catalogues have', () => {
      const cases: Array<[number, number]> = [
        [401, 20003],
        [429, 20429],
        [400, 21210],
        [400, 21212],
        [400, 21211],
        [400, 21217],
        [400, 21214],
        [400, 21215],
        [400, 21216],
        [400, 99999],
        [500, 0],
      ];
      for (const [status, code] of cases) {
        for (const party of ['caller', 'complainant'] as const) {
          const { messageKey } = failureFromTwilioError(restError(status, code), party);
          expect(hasMessage(messageKey), messageKey).to.equal(true);
        }
      }
      expect(hasMessage('telephony.error.callerDidNotAnswer')).to.equal(true);
    });
  });
});
