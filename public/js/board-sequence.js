// The board's event sequencing, pure and shared by the browser (board.js) and a unit test: snapshot, numbered events, gaps.

/**
 * A board holds a snapshot taken at sequence S, then applies events S+1, S+2... in order.
 * - While a snapshot is on its way, events are kept and replayed once it lands (those at or below S are in it).
 * - A number skipped means an event was lost: ask for a fresh snapshot rather than show a wrong count.
 * - An outcome already in the snapshot's feed is applied to nothing twice (the snapshot may have read it just
 *   before its number was given out).
 */
export class BoardSequence {
  constructor() {
    this.waiting = true;
    this.room = null;
    this.seq = 0;
    this.buffer = [];
    this.counted = new Set();
  }

  /** Call when asking for a snapshot (first join, reconnect, gap). */
  expectSnapshot() {
    this.waiting = true;
    this.buffer = [];
  }

  /** A snapshot arrived: returns the kept events to apply now, and whether another snapshot is needed. */
  snapshot(snap) {
    this.waiting = false;
    this.room = snap.room;
    this.seq = snap.seq;
    this.counted = new Set((snap.feed || []).map((f) => f.outcomeId));
    const kept = this.buffer.filter((e) => e.room === snap.room).sort((a, b) => a.seq - b.seq);
    this.buffer = [];
    const out = { apply: [], refetch: false };
    for (const e of kept) {
      if (e.seq <= this.seq) continue;
      const r = this.event(e);
      out.apply.push(...r.apply);
      if (r.refetch) {
        out.refetch = true;
        break;
      }
    }
    return out;
  }

  /** An event arrived: {apply: [{event, alreadyCounted}], refetch: boolean}. */
  event(e) {
    if (this.waiting) {
      this.buffer.push(e);
      return { apply: [], refetch: false };
    }
    if (e.room !== this.room) return { apply: [], refetch: false };
    if (e.seq <= this.seq) {
      // Numbering restarted (the shared counter was reset): our snapshot can no longer be trusted.
      if (e.seq === 1 && this.seq > 1) return this.gap(e);
      return { apply: [], refetch: false };
    }
    if (e.seq > this.seq + 1) return this.gap(e);
    this.seq = e.seq;
    let alreadyCounted = false;
    if (e.name === 'outcome:recorded') {
      alreadyCounted = this.counted.has(e.payload.outcomeId);
      this.counted.add(e.payload.outcomeId);
    }
    return { apply: [{ event: e, alreadyCounted }], refetch: false };
  }

  gap(e) {
    this.expectSnapshot();
    this.buffer.push(e);
    return { apply: [], refetch: true };
  }
}
