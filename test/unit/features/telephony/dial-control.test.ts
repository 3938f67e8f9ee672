// The console's dial control: a tel: link in manual mode, a Call button and no number in Twilio mode.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { projectRoot } from '../../../../server/config.js';
import { dialControl, telephonyMode } from '../../../../server/features/telephony/dial-control.js';
import { viewHelpers } from '../../../../server/shared/view-helpers.js';

const mobile = '+919812345678';
const twilioConfig = {
  twilio: { accountSid: 'AC' + '0'.repeat(32), authToken: 'token', callerId: '+915122300001' },
  publicBaseUrl: 'https://desk.example.gov.in',
};
const manualConfig = { twilio: undefined, publicBaseUrl: undefined };

const handlebars = Handlebars.create();
handlebars.registerHelper(viewHelpers as unknown as Handlebars.HelperDeclareSpec);
const partial = handlebars.compile(
  fs.readFileSync(path.join(projectRoot, 'views/partials/telephony/dial.hbs'), 'utf8'),
);

describe('the dial control', () => {
  it('is manual without the Twilio settings and Twilio with them', () => {
    expect(telephonyMode(manualConfig)).to.equal('manual');
    expect(telephonyMode({ ...twilioConfig, publicBaseUrl: undefined })).to.equal('manual');
    expect(telephonyMode(twilioConfig)).to.equal('twilio');
  });

  it('gives the full number only in manual mode', () => {
    expect(dialControl(manualConfig, { taskId: 7, mobile })).to.deep.equal({
      telephonyMode: 'manual',
      mobile,
      maskedMobile: '98xxxxxx78',
      taskId: 7,
    });
    expect(dialControl(twilioConfig, { taskId: 7, mobile })).to.include({
      mobile: null,
      maskedMobile: '98xxxxxx78',
    });
  });

  it('renders a tel: link in manual mode', () => {
    const html = partial({ lang: 'en', ...dialControl(manualConfig, { taskId: 7, mobile }) });
    expect(html).to.include(`href="tel:${mobile}"`);
    expect(html).not.to.include('data-telephony-call');
  });

  it('renders the Call button and never the number in Twilio mode, even when handed it', () => {
    const html = partial({ lang: 'en', telephonyMode: 'twilio', mobile, taskId: 7 });
    expect(html).to.include('data-task-id="7"');
    expect(html).to.include('data-telephony-call');
    expect(html).to.include('/static/js/telephony-dial.js');
    expect(html).not.to.include('9812345678');
  });
});
