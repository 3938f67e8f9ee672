import { expect } from 'chai';
import { entryHash, GENESIS_HASH } from '../../../../server/features/audit/audit-log.js';

describe('audit entry hash', () => {
  const entry = {
    id: 1,
    at: '2026-11-22 10:00:00.000',
    user_id: 7,
    action: 'outcome.recorded',
    entity: 'outcome',
    entity_id: '12',
    before_state: null,
    after_state: '{"verdict":"unsatisfied"}',
    prev_hash: GENESIS_HASH,
  };

  it('changes when any field changes', () => {
    const h = entryHash(entry);
    expect(h).to.match(/^[0-9a-f]{64}$/);
    for (const [k, v] of Object.entries({
      id: 2,
      user_id: 8,
      after_state: '{"verdict":"satisfied"}',
      prev_hash: 'f'.repeat(64),
    })) {
      expect(entryHash({ ...entry, [k]: v }), k).not.to.equal(h);
    }
  });
});
