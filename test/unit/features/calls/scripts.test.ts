// Rendering call scripts: strict variables, clear errors, no reach into the app, and branching checked.
import { expect } from 'chai';
import {
  checkQuestions,
  checkTemplate,
  gistOf,
  renderScript,
  ScriptError,
  type ScriptContext,
} from '../../../../server/features/calls/scripts.service.js';

const context: ScriptContext = {
  complainantName: 'राम प्रसाद',
  referenceNo: '40012611000001',
  department: 'राजस्व',
  district: 'कानपुर नगर',
  subject: 'भूमि पर कब्जा',
  receivedOn: '2 अक्टूबर 2026',
  disposedOn: '12 नवंबर 2026',
  reportGist: 'प्रकरण का निस्तारण कर दिया गया है।',
  callerName: 'सुनीता',
  callerOffice: 'कलेक्ट्रेट',
};

function errorOf(fn: () => unknown): ScriptError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ScriptError);
    return err as ScriptError;
  }
  throw new Error('expected a ScriptError');
}

describe('call scripts', () => {
  it('addresses the complainant by name and cites the reference', () => {
    const text = renderScript(
      'नमस्कार {{complainantName}} जी, संदर्भ {{referenceNo}}{{#if subject}} ({{subject}}){{/if}}',
      context,
    );
    expect(text).to.equal('नमस्कार राम प्रसाद जी, संदर्भ 40012611000001 (भूमि पर कब्जा)');
  });

  it('names a variable that does not exist instead of leaving a blank', () => {
    const e = errorOf(() => renderScript('Hello {{complainantNaam}}', context));
    expect(e.key).to.equal('calls.script.unknownVariable');
    expect(e.params.name).to.equal('complainantNaam');
  });

  it('reports a broken template plainly, with its line: the block left open, closed wrongly, or a broken tag', () => {
    const open = errorOf(() => renderScript('line one\n{{#if subject}}open', context));
    expect([open.key, open.params]).to.deep.equal(['calls.script.unclosedBlock', { block: 'if', line: 2 }]);
    const mismatch = errorOf(() => renderScript('{{#if subject}}a{{/unless}}', context));
    expect(mismatch.key).to.equal('calls.script.blockMismatch');
    expect(mismatch.params).to.include({ open: 'if', close: 'unless' });
    expect(errorOf(() => renderScript('a\n\n{{/if}}', context)).params).to.deep.equal({
      block: 'if',
      line: 3,
    });
    expect(errorOf(() => renderScript('{{else}}', context)).key).to.equal('calls.script.strayElse');
    const tag = errorOf(() => renderScript('one\n{{complainantName', context));
    expect([tag.key, tag.params.line]).to.deep.equal(['calls.script.brokenTag', 2]);
  });

  it('checks the template itself, so a variable in a branch this complaint does not take is found too', () => {
    const e = errorOf(() => checkTemplate('नमस्ते{{#unless subject}} {{mobileNo}}{{/unless}}'));
    expect([e.key, e.params.name]).to.deep.equal(['calls.script.unknownVariable', 'mobileNo']);
    // Rendering against a complaint with a subject would have skipped that branch: the check comes first.
    expect(errorOf(() => renderScript('{{#unless subject}}{{mobileNo}}{{/unless}}', context)).key).to.equal(
      'calls.script.unknownVariable',
    );
    expect(errorOf(() => checkTemplate('{{#each subject}}x{{/each}}')).key).to.equal(
      'calls.script.unknownBlock',
    );
    expect(errorOf(() => checkTemplate('{{#if}}x{{/if}}')).key).to.equal('calls.script.blockNeedsVariable');
    expect(errorOf(() => checkTemplate('{{complainantName.length}}')).key).to.equal(
      'calls.script.unknownVariable',
    );
    expect(errorOf(() => checkTemplate('{{#if (lookup a b)}}x{{/if}}')).params.text).to.equal('(lookup a b)');
    expect(() =>
      checkTemplate('{{!-- a note --}}{{#if subject}}{{subject}}{{else if department}}{{department}}{{/if}}'),
    ).not.to.throw();
  });

  it('offers no helpers, partials or prototype access to a script', () => {
    expect(errorOf(() => renderScript('{{t "app.name"}}', context)).key).to.match(/^calls\.script\./);
    expect(errorOf(() => renderScript('{{> telephony/dial}}', context)).key).to.match(/^calls\.script\./);
    expect(errorOf(() => renderScript('{{constructor.name}}', context)).key).to.match(/^calls\.script\./);
  });

  it('renders plain text, which the console page escapes once', () => {
    const text = renderScript('{{complainantName}} & co', { ...context, complainantName: '<b>x</b>' });
    expect(text).to.equal('<b>x</b> & co');
  });

  it('refuses a branch to a question that does not exist', () => {
    const e = errorOf(() =>
      checkQuestions([{ id: 'solved', text: 'Solved?', type: 'yesno', next: { no: 'pendng' } }]),
    );
    expect(e.key).to.equal('calls.script.unknownNextQuestion');
    expect(
      checkQuestions([{ id: 'solved', text: 'Solved?', type: 'yesno', next: { yes: 'end' } }]),
    ).to.have.length(1);
  });

  it('shortens a long disposal report at a sentence end', () => {
    const report = 'पहला वाक्य है। '.repeat(40);
    const gist = gistOf(report, 100);
    expect(gist.length).to.be.at.most(102);
    expect(gist).to.match(/। …$/);
  });
});
