// The TwiML of the masked bridge, the consent announcement and the keypad IVR.
import { expect } from 'chai';
import {
  bridgeTwiml,
  consentTwiml,
  createSpeak,
  ivrAnswerTwiml,
  ivrTwiml,
  speechKeys,
  spellOut,
  type Speak,
} from '../../../../server/features/telephony/twiml.js';
import { hasMessage, t } from '../../../../server/shared/i18n.js';
import { findElements, readTwiml, type TwimlElement } from '../../../helpers/fake-twilio/twiml-reader.js';

const voice = { voice: 'Polly.Aditi', language: 'hi-IN' };
const speak: Speak = createSpeak((key, params) => t('hi', key, params));
const base = 'https://desk.example.gov.in';
const complainantPhone = '+919812345678';

function aBridge(overrides: Partial<Parameters<typeof bridgeTwiml>[0]> = {}) {
  return bridgeTwiml({
    attemptId: 42,
    complainantPhone,
    officeCallerId: '+915122300001',
    record: false,
    publicBaseUrl: base,
    voice,
    speak,
    ...overrides,
  });
}

function anIvr() {
  return ivrTwiml({
    attemptId: 7,
    referenceNumber: '40015725001234',
    departmentName: 'राजस्व विभाग',
    publicBaseUrl: base,
    voice,
    speak,
  });
}

/** Every attribute value and text in the document except inside the given elements. */
function visibleOutside(element: TwimlElement, hidden: string): string[] {
  if (element.name === hidden) return [];
  return [
    ...Object.values(element.attributes),
    element.text,
    ...element.children.flatMap((child) => visibleOutside(child, hidden)),
  ];
}

describe('telephony TwiML', () => {
  it('has Hindi words for every spoken text', () => {
    for (const key of speechKeys) expect(hasMessage(key), key).to.equal(true);
  });

  describe('the bridge', () => {
    it('tells the caller, then dials the complainant showing the office caller ID', () => {
      const doc = readTwiml(aBridge());
      expect(doc.children.map((c) => c.name)).to.deep.equal(['Say', 'Dial']);
      expect(doc.children[0].text).to.equal(t('hi', 'telephony.bridge.connecting'));
      expect(doc.children[0].attributes).to.deep.equal({ voice: 'Polly.Aditi', language: 'hi-IN' });
      const [dial] = findElements(doc, 'Dial');
      expect(dial.attributes).to.include({ callerId: '+915122300001', timeout: '30' });
      expect(dial.attributes).not.to.have.property('record');
      const [number] = findElements(dial, 'Number');
      expect(number.text).to.equal(complainantPhone);
      expect(number.attributes).to.deep.equal({
        statusCallback: `${base}/telephony/attempts/42/complainant-status`,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: 'initiated ringing answered completed',
      });
    });

    it('keeps the complainant number inside <Number> and nowhere else', () => {
      for (const record of [false, true]) {
        const xml = aBridge({ record });
        expect(xml.split(complainantPhone)).to.have.length(2);
        expect(visibleOutside(readTwiml(xml), 'Number').join(' ')).not.to.include('9812345678');
      }
    });

    it('records both sides from the answer and plays the consent announcement to the complainant', () => {
      const doc = readTwiml(aBridge({ record: true }));
      expect(findElements(doc, 'Say').map((s) => s.text)).to.deep.equal([
        t('hi', 'telephony.bridge.connecting'),
        t('hi', 'telephony.bridge.recordingNotice'),
      ]);
      const [dial] = findElements(doc, 'Dial');
      expect(dial.attributes).to.include({
        record: 'record-from-answer-dual',
        recordingStatusCallback: `${base}/telephony/attempts/42/recording`,
        recordingStatusCallbackEvent: 'completed',
      });
      expect(findElements(dial, 'Number')[0].attributes).to.include({ url: `${base}/telephony/consent` });
    });

    it('escapes what it is given rather than letting it become markup', () => {
      const xml = aBridge({ officeCallerId: '+91"><Hangup/>' });
      expect(findElements(readTwiml(xml), 'Hangup')).to.have.length(0);
      expect(findElements(readTwiml(xml), 'Dial')[0].attributes.callerId).to.equal('+91"><Hangup/>');
    });
  });

  it('announces consent in the configured voice', () => {
    const doc = readTwiml(consentTwiml({ voice, speak }));
    expect(doc.children).to.have.length(1);
    expect(doc.children[0]).to.deep.include({
      name: 'Say',
      text: t('hi', 'telephony.consent.announcement'),
      attributes: { voice: 'Polly.Aditi', language: 'hi-IN' },
    });
  });

  describe('the IVR', () => {
    it('names the reference digit by digit and the department, and takes one key', () => {
      const doc = readTwiml(anIvr());
      const gathers = findElements(doc, 'Gather');
      expect(gathers).to.have.length(2);
      expect(gathers[0].attributes).to.include({
        input: 'dtmf',
        numDigits: '1',
        method: 'POST',
        action: `${base}/telephony/attempts/7/ivr-answer?round=1`,
      });
      const prompt = findElements(gathers[0], 'Say')[0].text;
      expect(prompt).to.include('4 0 0 1 5 7 2 5 0 0 1 2 3 4');
      expect(prompt).to.include('राजस्व विभाग');
      expect(prompt).to.include('1 दबाएँ');
    });

    it('repeats once when nothing is pressed, then says goodbye and hangs up', () => {
      const doc = readTwiml(anIvr());
      expect(doc.children.map((c) => c.name)).to.deep.equal(['Pause', 'Gather', 'Gather', 'Say', 'Hangup']);
      const repeat = doc.children[2];
      expect(repeat.attributes.action).to.equal(`${base}/telephony/attempts/7/ivr-answer?round=2`);
      expect(findElements(repeat, 'Say')[0].text).to.equal(t('hi', 'telephony.ivr.noInput'));
      expect(doc.children[3].text).to.equal(t('hi', 'telephony.ivr.goodbye'));
    });

    it('thanks and hangs up on 1, 2 or 3', () => {
      const cases = [
        ['1', 'satisfied', 'telephony.ivr.thanksSatisfied'],
        ['2', 'unsatisfied', 'telephony.ivr.thanksUnsatisfied'],
        ['3', 'wants_person', 'telephony.ivr.callbackPromised'],
      ] as const;
      for (const [digits, choice, key] of cases) {
        const answer = ivrAnswerTwiml({ attemptId: 7, digits, round: 1, publicBaseUrl: base, voice, speak });
        expect(answer.choice).to.equal(choice);
        const doc = readTwiml(answer.twiml);
        expect(doc.children.map((c) => c.name)).to.deep.equal(['Say', 'Hangup']);
        expect(doc.children[0].text).to.equal(t('hi', key));
      }
    });

    it('asks once more after a wrong key, and gives up after a second', () => {
      const first = ivrAnswerTwiml({
        attemptId: 7,
        digits: '9',
        round: 1,
        publicBaseUrl: base,
        voice,
        speak,
      });
      expect(first.choice).to.equal(null);
      const doc = readTwiml(first.twiml);
      expect(doc.children.map((c) => c.name)).to.deep.equal(['Say', 'Gather', 'Say', 'Hangup']);
      expect(doc.children[1].attributes.action).to.equal(`${base}/telephony/attempts/7/ivr-answer?round=2`);
      const second = ivrAnswerTwiml({
        attemptId: 7,
        digits: '9',
        round: 2,
        publicBaseUrl: base,
        voice,
        speak,
      });
      expect(readTwiml(second.twiml).children.map((c) => c.name)).to.deep.equal(['Say', 'Hangup']);
    });
  });

  describe('speech', () => {
    it('uses an office override with the same placeholders, and the catalogue otherwise', () => {
      const custom = createSpeak((key) => `catalogue:${key}`, {
        'telephony.ivr.prompt': 'Sandarbh {reference}, vibhag {department}, {unknown}',
      });
      expect(custom('telephony.ivr.prompt', { reference: '1 2', department: 'Police' })).to.equal(
        'Sandarbh 1 2, vibhag Police, {unknown}',
      );
      expect(custom('telephony.ivr.goodbye')).to.equal('catalogue:telephony.ivr.goodbye');
    });

    it('spells a reference one character at a time', () => {
      expect(spellOut('PG 2024 17')).to.equal('P G 2 0 2 4 1 7');
    });
  });
});
