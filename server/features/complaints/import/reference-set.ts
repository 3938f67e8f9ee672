// Remembers the references already read in one file, and the row each was first seen on, in flat memory.

/**
 * Numeric references (the usual IGRS form: 14 digits) go into an open-addressing table of typed
 * arrays, 12 bytes a slot outside the JavaScript heap; a Map of a million of them would cost about
 * 50 MB of heap, since numbers past 2³¹ are boxed. Other references go into a Map.
 */
export class ReferenceSet {
  private keys = new Float64Array(1 << 12);
  private rows = new Int32Array(1 << 12);
  private size = 0;
  private readonly text = new Map<string, number>();

  /** The row the reference was first seen on, or undefined (and it is remembered with this row). */
  firstRowOf(reference: string, rowNumber: number): number | undefined {
    if (reference.length <= 15 && NUMERIC.test(reference)) return this.numeric(Number(reference), rowNumber);
    const first = this.text.get(reference);
    if (first === undefined) this.text.set(reference, rowNumber);
    return first;
  }

  private numeric(key: number, rowNumber: number): number | undefined {
    if (2 * (this.size + 1) > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
      const held = this.keys[slot]!;
      if (held === key) return this.rows[slot];
      if (held === 0) {
        this.keys[slot] = key;
        this.rows[slot] = rowNumber;
        this.size++;
        return undefined;
      }
    }
  }

  private grow(): void {
    const { keys, rows } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Int32Array(keys.length * 2);
    const mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === 0) continue;
      let slot = slotOf(key, mask);
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.rows[slot] = rows[i]!;
    }
  }
}

// No leading zero (so the number gives the text back) and at most 15 digits (exact as a double).
// 0 never matches, which leaves it free to mark an empty slot.
const NUMERIC = /^[1-9]\d*$/;

function slotOf(key: number, mask: number): number {
  const low = key % 4294967296;
  const high = (key - low) / 4294967296;
  // murmur3's finaliser, so references that share their low bits still spread over the table.
  let h = (low ^ Math.imul(high, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & mask;
}
