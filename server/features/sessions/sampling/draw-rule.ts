// The verifiable draw rule "sha256-rank" v1: rank each complaint by SHA-256(seed|reference), keep the lowest per pool.
// docs/sampling-rule.md is the normative text; this file must never drift from it (a third party recomputes draws
// from that document alone).
import { createHash, hash, randomBytes } from 'node:crypto';
import { badRequest } from '../../../shared/errors.js';
import {
  checkDesign,
  planSample,
  rankingDepth,
  WHOLE_FRAME_POOL,
  type SampleDesign,
  type SamplePlan,
} from './designs.js';

export const DRAW_RULE = { name: 'sha256-rank', version: 1 } as const;
export type DrawRuleId = { name: string; version: number };

export interface FrameEntry {
  referenceNumber: string;
  /** The department code of the complaint: the stratum in stratified designs. */
  stratum: string;
}

export interface RankedEntry extends FrameEntry {
  /** Lowercase hex SHA-256 of `seed|referenceNumber`: the rank key. */
  key: string;
}

export interface DrawnComplaint extends RankedEntry {
  pool: string;
  role: 'sample' | 'reserve';
  /** 1-based position in the pool's ranking: samples are 1..k, reserves k+1..k+r. */
  rank: number;
}

export interface FrameSummary {
  frameHash: string;
  frameSize: number;
  /** Complaints per stratum, keys in first-seen order. */
  stratumSizes: Map<string, number>;
}

export interface DrawResult extends FrameSummary {
  rule: DrawRuleId;
  seed: string;
  plan: SamplePlan;
  sample: DrawnComplaint[];
  reserve: DrawnComplaint[];
}

// Printable ASCII without space: keeps JavaScript string order equal to byte order (and to `LC_ALL=C sort`),
// and keeps `printf '%s'` in the documented one-liner exact.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const LABEL_BREAKS = /[\t\r\n]/;

/** A fresh seed: 32 random bytes written as 64 lowercase hex characters. */
export function generateSeed(): string {
  return randomBytes(32).toString('hex');
}

export function assertValidSeed(seed: string): void {
  if (!PRINTABLE_ASCII.test(seed) || seed.includes('|')) throw badRequest('sessions.error.seedInvalid');
}

/** The rank key of one complaint: hex SHA-256 of the UTF-8 bytes of `seed + "|" + referenceNumber`. */
export function rankKey(seed: string, referenceNumber: string): string {
  return hash('sha256', `${seed}|${referenceNumber}`, 'hex');
}

function assertValidEntry(referenceNumber: string, stratum: string, knownStratum: boolean): void {
  if (!PRINTABLE_ASCII.test(referenceNumber)) {
    throw badRequest('sessions.error.referenceInvalid', { referenceNumber });
  }
  if (!knownStratum && (stratum.length === 0 || LABEL_BREAKS.test(stratum))) {
    throw badRequest('sessions.error.stratumLabelInvalid', { stratum });
  }
}

const CHUNK_BYTES = 1 << 16;
const SPILL_BYTES = 1 << 13;

/**
 * Hashes the canonical frame serialisation (`reference TAB stratum LF` per complaint, references strictly
 * ascending) while entries stream in. Requiring ascending input makes the hash a property of the set of
 * complaints, not of the database's row order, and lets it be computed without holding the frame in memory.
 * Lines gather in a short string that is encoded every 8 KB into one reused 64 KB buffer: each byte is encoded
 * once, and little is left alive for the garbage collector to copy. `onChunk` receives each filled part of the
 * serialisation, for storing the frozen frame; the buffer is reused once it returns, so it must copy (or
 * compress) what it keeps.
 */
export class FrameHasher {
  private readonly digest = createHash('sha256');
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private pending = '';
  private pendingBytes = 0;
  private previous: string | null = null;
  private size = 0;
  /** Per stratum label, in first-seen order: its count and its length in UTF-8 bytes. */
  private readonly strata = new Map<string, { count: number; bytes: number }>();

  constructor(private readonly onChunk?: (chunk: Buffer) => void) {}

  add(referenceNumber: string, stratum: string): void {
    let seen = this.strata.get(stratum);
    assertValidEntry(referenceNumber, stratum, seen !== undefined);
    if (this.previous !== null && !(referenceNumber > this.previous)) {
      throw badRequest('sessions.error.frameNotInOrder', {
        previous: this.previous,
        current: referenceNumber,
      });
    }
    this.previous = referenceNumber;
    if (seen === undefined) {
      seen = { count: 0, bytes: Buffer.byteLength(stratum, 'utf8') };
      this.strata.set(stratum, seen);
    }
    seen.count++;
    this.size++;
    this.pending += `${referenceNumber}\t${stratum}\n`;
    // The reference is printable ASCII: one byte a character.
    this.pendingBytes += referenceNumber.length + seen.bytes + 2;
    if (this.pendingBytes >= SPILL_BYTES) this.spill();
  }

  finish(): FrameSummary {
    this.spill();
    this.flush();
    const stratumSizes = new Map([...this.strata].map(([label, s]) => [label, s.count]));
    return { frameHash: this.digest.digest('hex'), frameSize: this.size, stratumSizes };
  }

  /** Encodes the pending lines into the chunk buffer, handing the buffer on first if they would not fit. */
  private spill(): void {
    if (this.pendingBytes === 0) return;
    if (this.used + this.pendingBytes > this.chunk.length) {
      this.flush();
      if (this.pendingBytes > this.chunk.length) this.chunk = Buffer.allocUnsafe(this.pendingBytes);
    }
    this.used += this.chunk.write(this.pending, this.used, 'utf8');
    this.pending = '';
    this.pendingBytes = 0;
  }

  private flush(): void {
    if (this.used === 0) return;
    const part = this.chunk.subarray(0, this.used);
    this.digest.update(part);
    this.onChunk?.(part);
    this.used = 0;
  }
}

/**
 * A max-heap bounded to `depth` entries, ordered by (key, reference): it keeps the `depth` lowest seen. Most
 * entries are turned away by one comparison with the root; the others sift a hole rather than swap, since this
 * runs hundreds of thousands of times per draw. It holds no key strings: each entry's key is represented by its
 * first bytes as a number (a Float64Array slot), and only when two entries share those bytes (about once in 10^8
 * draws at 6 bytes) are their full keys recomputed to order them. So entries that enter and are later pushed out
 * leave only their reference behind for the garbage collector. A pool of one stratum keeps its label once.
 */
class LowestKeys {
  private readonly prefixes: Float64Array;
  private readonly refs: string[] = [];
  private readonly strata: string[] | null;
  private size = 0;

  constructor(
    private readonly depth: number,
    private readonly label: string | null,
    /** The full rank key of a reference, as a one-byte ("binary") string: compared only on a prefix tie. */
    private readonly fullKey: (ref: string) => string,
  ) {
    this.prefixes = new Float64Array(depth);
    this.strata = label === null ? [] : null;
  }

  /** Whether the entry at slot i ranks after (prefix, ref): its key is higher, or equal with a higher reference. */
  private after(i: number, prefix: number, ref: string): boolean {
    const p = this.prefixes[i];
    if (p !== prefix) return p > prefix;
    const a = this.fullKey(this.refs[i]);
    const b = this.fullKey(ref);
    return a !== b ? a > b : this.refs[i] > ref;
  }

  offer(prefix: number, ref: string, stratum: string): void {
    const { prefixes, refs, strata } = this;
    let i: number;
    if (this.size < this.depth) {
      // Sift the hole up from the new last slot.
      i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.after(parent, prefix, ref)) break;
        prefixes[i] = prefixes[parent];
        refs[i] = refs[parent];
        if (strata) strata[i] = strata[parent];
        i = parent;
      }
    } else {
      if (this.depth === 0 || !this.after(0, prefix, ref)) return;
      // Replace the root: sift the hole down towards the child that ranks later.
      const n = this.size;
      i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        const right = child + 1;
        if (right < n && this.after(right, prefixes[child], refs[child])) child = right;
        if (!this.after(child, prefix, ref)) break;
        prefixes[i] = prefixes[child];
        refs[i] = refs[child];
        if (strata) strata[i] = strata[child];
        i = child;
      }
    }
    prefixes[i] = prefix;
    refs[i] = ref;
    if (strata) strata[i] = stratum;
  }

  ascending(): RankedEntry[] {
    const entries = this.refs.slice(0, this.size).map((ref, i) => ({
      referenceNumber: ref,
      stratum: this.strata ? this.strata[i] : this.label!,
      key: Buffer.from(this.fullKey(ref), 'binary').toString('hex'),
    }));
    return entries.sort(compareRanked);
  }
}

export function compareRanked(a: RankedEntry, b: RankedEntry): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.referenceNumber < b.referenceNumber ? -1 : a.referenceNumber > b.referenceNumber ? 1 : 0;
}

/**
 * Ranks streamed frame entries and keeps only the lowest `depth` of each pool, so an 800,000-complaint frame
 * never has to be sorted or held in memory. Pools are strata, or the whole frame for simple random designs.
 */
export class FrameRanking {
  private readonly prefix: string;
  private readonly pools = new Map<string, LowestKeys>();
  /** One string per label for a whole-frame pool, instead of each row's own copy. */
  private readonly labels = new Map<string, string>();
  private readonly fullKey = (ref: string) => hash('sha256', this.prefix + ref, 'binary');

  /** `keyPrefixBytes`: how many leading digest bytes order entries before full keys are compared (1 to 6). */
  constructor(
    seed: string,
    private readonly pooling: 'stratum' | 'whole-frame',
    private readonly depth: number,
    private readonly keyPrefixBytes = 6,
  ) {
    assertValidSeed(seed);
    if (!Number.isInteger(keyPrefixBytes) || keyPrefixBytes < 1 || keyPrefixBytes > 6) {
      throw new RangeError('keyPrefixBytes must be 1 to 6');
    }
    this.prefix = `${seed}|`;
  }

  add(referenceNumber: string, stratum: string): void {
    const byStratum = this.pooling === 'stratum';
    const pool = byStratum ? stratum : WHOLE_FRAME_POOL;
    let lowest = this.pools.get(pool);
    if (lowest === undefined) {
      lowest = new LowestKeys(this.depth, byStratum ? stratum : null, this.fullKey);
      this.pools.set(pool, lowest);
    }
    let label = stratum;
    if (!byStratum) {
      const known = this.labels.get(stratum);
      if (known === undefined) this.labels.set(stratum, stratum);
      else label = known;
    }
    // The key's first bytes as a whole number (at most 48 bits, exact in a double): the same order as the keys'.
    const key = this.fullKey(referenceNumber);
    let prefix = 0;
    for (let b = 0; b < this.keyPrefixBytes; b++) prefix = prefix * 256 + key.charCodeAt(b);
    lowest.offer(prefix, referenceNumber, label);
  }

  /** Each pool's kept entries, lowest key first (keys as lowercase hex). */
  finish(): Map<string, RankedEntry[]> {
    const ranked = new Map<string, RankedEntry[]>();
    for (const [pool, lowest] of this.pools) ranked.set(pool, lowest.ascending());
    return ranked;
  }
}

/** Cuts each pool's ranking into its sample (the first k) and its reserve list (the next r), as planned. */
export function selectFromRanking(
  ranked: ReadonlyMap<string, readonly RankedEntry[]>,
  plan: SamplePlan,
): { sample: DrawnComplaint[]; reserve: DrawnComplaint[] } {
  const sample: DrawnComplaint[] = [];
  const reserve: DrawnComplaint[] = [];
  for (const quota of plan.pools) {
    const entries = ranked.get(quota.pool) ?? [];
    if (entries.length < quota.sampleSize + quota.reserveSize) {
      throw new Error(
        `ranking of pool ${quota.pool} kept ${entries.length}, plan needs more: depth too small`,
      );
    }
    for (let i = 0; i < quota.sampleSize + quota.reserveSize; i++) {
      const role = i < quota.sampleSize ? 'sample' : 'reserve';
      (role === 'sample' ? sample : reserve).push({ ...entries[i], pool: quota.pool, role, rank: i + 1 });
    }
  }
  return { sample, reserve };
}

/**
 * One pass over a frame ordered by reference number: hashes it, ranks it, plans the design on the actual
 * stratum sizes and selects. Rows are consumed as they come (a database cursor, a file), never all held.
 */
export async function drawFromFrame(
  entries: Iterable<FrameEntry> | AsyncIterable<FrameEntry>,
  seed: string,
  design: SampleDesign,
  options: { onFrameChunk?: (chunk: Buffer) => void; stratumName?: (stratum: string) => string } = {},
): Promise<DrawResult> {
  assertValidSeed(seed);
  checkDesign(design);
  const hasher = new FrameHasher(options.onFrameChunk);
  const ranking = new FrameRanking(
    seed,
    design.kind === 'simple' ? 'whole-frame' : 'stratum',
    rankingDepth(design),
  );
  const add = (entry: FrameEntry) => {
    hasher.add(entry.referenceNumber, entry.stratum);
    ranking.add(entry.referenceNumber, entry.stratum);
  };
  // A plain loop for arrays and synchronous cursors (better-sqlite3): `for await` costs a microtask per row.
  if (Symbol.iterator in entries) for (const entry of entries) add(entry);
  else for await (const entry of entries) add(entry);
  const frame = hasher.finish();
  const plan = planSample(design, frame.stratumSizes, { stratumName: options.stratumName });
  return { rule: { ...DRAW_RULE }, seed, ...frame, plan, ...selectFromRanking(ranking.finish(), plan) };
}

/** What a stored draw claims; verifyDraw recomputes it from the frame and the seed. */
export interface StoredDraw {
  rule: DrawRuleId;
  frameHash: string;
  frameSize: number;
  pools: { pool: string; sampleSize: number; reserveSize: number }[];
  selection: { referenceNumber: string; pool: string; role: 'sample' | 'reserve'; rank: number }[];
}

export interface DrawMismatch {
  what: 'rule' | 'frameHash' | 'frameSize' | 'quota' | 'selection';
  pool?: string;
  role?: 'sample' | 'reserve';
  rank?: number;
  expected: string | number | null;
  found: string | number | null;
}

/** Recomputes a stored draw from its frame and seed; every difference is listed, none is fixed up. */
export async function verifyDraw(
  frameEntries: Iterable<FrameEntry> | AsyncIterable<FrameEntry>,
  seed: string,
  design: SampleDesign,
  stored: StoredDraw,
): Promise<{ ok: boolean; mismatches: DrawMismatch[]; recomputed: DrawResult | null }> {
  const mismatches: DrawMismatch[] = [];
  const ruleId = (r: DrawRuleId) => `${r.name}/${r.version}`;
  if (ruleId(stored.rule) !== ruleId(DRAW_RULE)) {
    mismatches.push({ what: 'rule', expected: ruleId(DRAW_RULE), found: ruleId(stored.rule) });
    return { ok: false, mismatches, recomputed: null };
  }
  const draw = await drawFromFrame(frameEntries, seed, design);
  if (draw.frameHash !== stored.frameHash) {
    mismatches.push({ what: 'frameHash', expected: draw.frameHash, found: stored.frameHash });
  }
  if (draw.frameSize !== stored.frameSize) {
    mismatches.push({ what: 'frameSize', expected: draw.frameSize, found: stored.frameSize });
  }

  const storedPools = new Map(stored.pools.map((p) => [p.pool, p]));
  for (const quota of draw.plan.pools) {
    const claimed = storedPools.get(quota.pool);
    storedPools.delete(quota.pool);
    for (const field of ['sampleSize', 'reserveSize'] as const) {
      if (claimed?.[field] !== quota[field]) {
        mismatches.push({
          what: 'quota',
          pool: quota.pool,
          expected: quota[field],
          found: claimed?.[field] ?? null,
        });
      }
    }
  }
  for (const extra of storedPools.values()) {
    mismatches.push({ what: 'quota', pool: extra.pool, expected: null, found: extra.sampleSize });
  }

  const slot = (pool: string, rank: number) => `${pool}\u0000${rank}`;
  const claimedAt = new Map(stored.selection.map((s) => [slot(s.pool, s.rank), s]));
  for (const drawn of [...draw.sample, ...draw.reserve]) {
    const claimed = claimedAt.get(slot(drawn.pool, drawn.rank));
    claimedAt.delete(slot(drawn.pool, drawn.rank));
    if (claimed?.referenceNumber !== drawn.referenceNumber || claimed.role !== drawn.role) {
      mismatches.push({
        what: 'selection',
        pool: drawn.pool,
        role: drawn.role,
        rank: drawn.rank,
        expected: drawn.referenceNumber,
        found: claimed?.referenceNumber ?? null,
      });
    }
  }
  for (const extra of claimedAt.values()) {
    mismatches.push({
      what: 'selection',
      pool: extra.pool,
      role: extra.role,
      rank: extra.rank,
      expected: null,
      found: extra.referenceNumber,
    });
  }
  return { ok: mismatches.length === 0, mismatches, recomputed: draw };
}
