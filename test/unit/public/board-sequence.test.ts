import { expect } from 'chai';
// @ts-expect-error plain browser JavaScript, no type declarations
import { BoardSequence } from '../../../public/js/board-sequence.js';

const room = 'session:1';
const outcome = (seq: number, outcomeId: number, r = room) => ({
  room: r,
  seq,
  name: 'outcome:recorded',
  payload: { outcomeId },
});
const snap = (seq: number, feedIds: number[] = []) => ({
  room,
  seq,
  feed: feedIds.map((outcomeId) => ({ outcomeId })),
});

describe('board sequence (browser)', () => {
  it('keeps events that arrive before the snapshot and replays only those after its number', () => {
    const s = new BoardSequence();
    expect(s.event(outcome(4, 40)).apply).to.deep.equal([]);
    s.event(outcome(5, 50));
    s.event(outcome(6, 60));
    const r = s.snapshot(snap(4));
    expect(r.refetch).to.equal(false);
    expect(r.apply.map((a: any) => a.event.seq)).to.deep.equal([5, 6]);
  });

  it('applies the next number and ignores a repeat', () => {
    const s = new BoardSequence();
    s.snapshot(snap(10));
    expect(s.event(outcome(11, 1)).apply).to.have.length(1);
    expect(s.event(outcome(11, 1)).apply).to.have.length(0);
    expect(s.event(outcome(9, 2)).apply).to.have.length(0);
  });

  it('asks for a fresh snapshot on a gap, and stops applying until it lands', () => {
    const s = new BoardSequence();
    s.snapshot(snap(10));
    const r = s.event(outcome(12, 5));
    expect(r).to.deep.equal({ apply: [], refetch: true });
    expect(s.event(outcome(13, 6)).apply).to.have.length(0);
    const after = s.snapshot(snap(12, [5]));
    expect(after.apply.map((a: any) => a.event.seq)).to.deep.equal([13]);
  });

  it('marks an outcome the snapshot already counted, so the count does not go up twice', () => {
    const s = new BoardSequence();
    s.snapshot(snap(3, [77]));
    const [first] = s.event(outcome(4, 77)).apply;
    expect(first.alreadyCounted).to.equal(true);
    const [second] = s.event(outcome(5, 78)).apply;
    expect(second.alreadyCounted).to.equal(false);
  });

  it('treats numbering that restarts at 1 as a gap', () => {
    const s = new BoardSequence();
    s.snapshot(snap(40));
    expect(s.event(outcome(1, 9)).refetch).to.equal(true);
  });

  it('ignores events for another room', () => {
    const s = new BoardSequence();
    s.snapshot(snap(1));
    expect(s.event(outcome(2, 9, 'district:3'))).to.deep.equal({ apply: [], refetch: false });
  });
});
