import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { seededRandom } from '../../../../../server/shared/random.js';
import {
  DRAW_RULE,
  FrameHasher,
  FrameRanking,
  drawFromFrame,
  rankKey,
  selectFromRanking,
  verifyDraw,
  type DrawResult,
  type FrameEntry,
  type StoredDraw,
} from '../../../../../server/features/sessions/sampling/draw-rule.js';
import { planSample, type SampleDesign } from '../../../../../server/features/sessions/sampling/designs.js';
import { aFrame, expectAppError, expectAppErrorAsync } from './builders.js';

// The worked example of docs/sampling-rule.md. Every digest below was computed outside our code, in a shell:
//   printf '%s' 'kanpur-nagar-2025-11-06|40015325000101' | sha256sum
// and the frame hash with `sha256sum frame.tsv` over the ten lines `reference<TAB>department<LF>` below.
const EXAMPLE_SEED = 'kanpur-nagar-2025-11-06';
const EXAMPLE_FRAME: [string, string, string][] = [
  ['40015325000101', 'revenue', '343a3e0e59d0c895c37eeb9dca85276186524d70a5363fceaedc6d88a3a5b8fc'],
  ['40015325000117', 'police', 'ea140ba00ee914408114cf53720069be9ab583e3d46f6712c115d0ca70941171'],
  ['40015325000123', 'revenue', '08714ea86b30ef0a80b4d7606029c937ae1e28df360b61c5eedb6ee8555d8ab2'],
  ['40015325000139', 'electricity', 'ad90e48422fcbb348c4b44aa807334275d7f994f12615ef7348b45a5c61d63f1'],
  ['40015325000145', 'police', 'd85242d2321075812d97f1db2be77b0faa6c9603b20e77cdc49e5287345ce520'],
  ['40015325000151', 'revenue', '8b1e08fbce10401c0052bc59f9af846d0787945fc940556ca5652d5643202f7d'],
  ['40015325000167', 'electricity', '77c0cf1b0bf5009dfd7c1479bc5f65d9cbbc53deb932052e2208fb095c4c6126'],
  ['40015325000173', 'revenue', 'd90f1c7567b3cb2726e40cbbe923dc6429b860405a7912b2289cab4531a837e4'],
  ['40015325000189', 'police', '383fdc8f21513f1403596bc464e817035f657bbce77cd801e802753766b62f62'],
  ['40015325000195', 'revenue', '45e2d71c131d63dc23a569015daec61a2835e0d60c1fe402c85d772c201c03fd'],
];
const EXAMPLE_FRAME_HASH = '7230686e6d8a28a32c04516bba516b24ec2f30a4ce387edd663279ae49d92f58';
const exampleEntries = (): FrameEntry[] =>
  EXAMPLE_FRAME.map(([referenceNumber, stratum]) => ({ referenceNumber, stratum }));

const picks = (draw: DrawResult, role: 'sample' | 'reserve') =>
  draw[role].map((d) => `${d.pool}#${d.rank}=${d.referenceNumber}`);

const stored = (draw: DrawResult): StoredDraw => ({
  rule: draw.rule,
  frameHash: draw.frameHash,
  frameSize: draw.frameSize,
  pools: draw.plan.pools.map(({ pool, sampleSize, reserveSize }) => ({ pool, sampleSize, reserveSize })),
  selection: [...draw.sample, ...draw.reserve].map(({ referenceNumber, pool, role, rank }) => ({
    referenceNumber,
    pool,
    role,
    rank,
  })),
});

const stratified: SampleDesign = { kind: 'stratified', allocation: 'proportional', sampleSize: 40 };

describe('sampling draw rule (sha256-rank v1)', () => {
  describe('the worked example a third party can check by hand', () => {
    it('ranks each complaint by the SHA-256 that sha256sum gives for seed|reference', () => {
      for (const [reference, , digest] of EXAMPLE_FRAME) {
        expect(rankKey(EXAMPLE_SEED, reference), reference).to.equal(digest);
      }
    });

    it('hashes the frame exactly as sha256sum hashes the frame file', () => {
      const hasher = new FrameHasher();
      for (const e of exampleEntries()) hasher.add(e.referenceNumber, e.stratum);
      const frame = hasher.finish();
      expect(frame.frameHash).to.equal(EXAMPLE_FRAME_HASH);
      expect(frame.frameSize).to.equal(10);
      expect(Object.fromEntries(frame.stratumSizes)).to.deep.equal({ revenue: 5, police: 3, electricity: 2 });
    });

    it('draws the documented stratified sample and reserves', async () => {
      const draw = await drawFromFrame(exampleEntries(), EXAMPLE_SEED, {
        kind: 'stratified',
        allocation: 'proportional',
        sampleSize: 4,
        minimumReserve: 1,
      });
      expect(draw.rule).to.deep.equal({ name: 'sha256-rank', version: 1 });
      expect(picks(draw, 'sample')).to.deep.equal([
        'electricity#1=40015325000167',
        'police#1=40015325000189',
        'revenue#1=40015325000123',
        'revenue#2=40015325000101',
      ]);
      expect(picks(draw, 'reserve')).to.deep.equal([
        'electricity#2=40015325000139',
        'police#2=40015325000145',
        'revenue#3=40015325000195',
        'revenue#4=40015325000151',
      ]);
    });

    it('draws the documented simple random sample from the whole frame', async () => {
      const draw = await drawFromFrame(exampleEntries(), EXAMPLE_SEED, { kind: 'simple', sampleSize: 3 });
      expect(picks(draw, 'sample')).to.deep.equal([
        '*#1=40015325000123',
        '*#2=40015325000101',
        '*#3=40015325000189',
      ]);
      expect(picks(draw, 'reserve')).to.deep.equal([
        '*#4=40015325000195',
        '*#5=40015325000167',
        '*#6=40015325000151',
        '*#7=40015325000139',
        '*#8=40015325000145',
      ]);
    });
  });

  describe('reproducibility', () => {
    const frame = aFrame({
      revenue: 900,
      police: 700,
      electricity: 250,
      'basic-education': 120,
      fisheries: 3,
    });

    it('gives the same sample for the same frame and seed', async () => {
      const first = await drawFromFrame(frame, 'seed-one', stratified);
      const second = await drawFromFrame(
        frame.map((e) => ({ ...e })),
        'seed-one',
        stratified,
      );
      expect(picks(second, 'sample')).to.deep.equal(picks(first, 'sample'));
      expect(picks(second, 'reserve')).to.deep.equal(picks(first, 'reserve'));
      expect(second.frameHash).to.equal(first.frameHash);
      expect(first.sample).to.have.length(40);
    });

    it('gives a different sample for a different seed', async () => {
      const first = await drawFromFrame(frame, 'seed-one', stratified);
      const other = await drawFromFrame(frame, 'seed-two', stratified);
      expect(picks(other, 'sample')).to.not.deep.equal(picks(first, 'sample'));
      expect(other.frameHash).to.equal(first.frameHash);
    });

    it('ranks the same whatever order the entries arrive in', () => {
      const shuffled = [...frame].reverse();
      const rank = (entries: FrameEntry[]) => {
        const ranking = new FrameRanking('seed-one', 'stratum', 12);
        for (const e of entries) ranking.add(e.referenceNumber, e.stratum);
        return ranking.finish();
      };
      const inOrder = rank(frame);
      const reversed = rank(shuffled);
      for (const [pool, entries] of inOrder) expect(reversed.get(pool)).to.deep.equal(entries);
    });

    it('keeps exactly the lowest keys of each pool (checked against a full sort)', () => {
      const random = seededRandom('heap');
      for (let trial = 0; trial < 80; trial++) {
        const entries = aFrame({ a: random.int(0, 60), b: random.int(1, 60) }, { random });
        const depth = random.int(0, 70);
        // Half the trials order by one key byte before the full keys, so entries tie on it all the time.
        const pooling = trial % 4 < 2 ? 'whole-frame' : 'stratum';
        const ranking = new FrameRanking(`trial-${trial}`, pooling, depth, trial % 2 ? 1 : 6);
        for (const e of entries) ranking.add(e.referenceNumber, e.stratum);
        const lowest = (pool: FrameEntry[]) =>
          pool
            .map((e) => ({
              ...e,
              key: createHash('sha256').update(`trial-${trial}|${e.referenceNumber}`, 'utf8').digest('hex'),
            }))
            .sort((x, y) => (x.key < y.key ? -1 : 1))
            .slice(0, depth);
        const kept = ranking.finish();
        if (pooling === 'whole-frame') expect(kept.get('*') ?? []).to.deep.equal(lowest(entries));
        else {
          for (const stratum of ['a', 'b']) {
            const pool = entries.filter((e) => e.stratum === stratum);
            expect(kept.get(stratum) ?? [], stratum).to.deep.equal(pool.length ? lowest(pool) : []);
          }
        }
      }
    });
  });

  describe('frame hash and verification', () => {
    const frame = aFrame({ revenue: 300, police: 200, electricity: 50 });

    it('confirms a draw recomputed from the same frame and seed', async () => {
      const draw = await drawFromFrame(frame, 'verify-seed', stratified);
      const result = await verifyDraw(frame, 'verify-seed', stratified, stored(draw));
      expect(result.mismatches).to.deep.equal([]);
      expect(result.ok).to.equal(true);
    });

    for (const [change, alter] of [
      ['a complaint removed', (f: FrameEntry[]) => f.filter((_, i) => i !== 17)],
      [
        'a complaint added',
        (f: FrameEntry[]) => [...f, { referenceNumber: '49999999999999', stratum: 'police' }],
      ],
      [
        'a department changed',
        (f: FrameEntry[]) =>
          f.map((e, i) => (i === 5 ? { ...e, stratum: e.stratum === 'police' ? 'revenue' : 'police' } : e)),
      ],
    ] as const) {
      it(`changes the frame hash and fails verification with ${change}`, async () => {
        const draw = await drawFromFrame(frame, 'verify-seed', stratified);
        const changed = alter(frame);
        const result = await verifyDraw(changed, 'verify-seed', stratified, stored(draw));
        expect(result.recomputed!.frameHash).to.not.equal(draw.frameHash);
        expect(result.ok).to.equal(false);
        expect(result.mismatches.map((m) => m.what)).to.include('frameHash');
      });
    }

    it('fails verification when a selected complaint was swapped', async () => {
      const draw = await drawFromFrame(frame, 'verify-seed', stratified);
      const claim = stored(draw);
      const outsider = frame.find(
        (e) => !claim.selection.some((s) => s.referenceNumber === e.referenceNumber),
      )!;
      claim.selection[0] = { ...claim.selection[0], referenceNumber: outsider.referenceNumber };
      const result = await verifyDraw(frame, 'verify-seed', stratified, claim);
      expect(result.ok).to.equal(false);
      expect(result.mismatches).to.deep.equal([
        {
          what: 'selection',
          pool: claim.selection[0].pool,
          role: 'sample',
          rank: 1,
          expected: draw.sample[0].referenceNumber,
          found: outsider.referenceNumber,
        },
      ]);
    });

    it('fails verification with the wrong seed, and names another rule as a mismatch', async () => {
      const draw = await drawFromFrame(frame, 'verify-seed', stratified);
      const wrongSeed = await verifyDraw(frame, 'another-seed', stratified, stored(draw));
      expect(wrongSeed.ok).to.equal(false);
      expect(wrongSeed.mismatches.every((m) => m.what === 'selection')).to.equal(true);
      const otherRule = await verifyDraw(frame, 'verify-seed', stratified, {
        ...stored(draw),
        rule: { name: DRAW_RULE.name, version: 2 },
      });
      expect(otherRule.mismatches).to.deep.equal([
        { what: 'rule', expected: 'sha256-rank/1', found: 'sha256-rank/2' },
      ]);
    });

    it('passes the canonical serialisation to onChunk, and its SHA-256 is the frame hash', async () => {
      const chunks: Buffer[] = [];
      const draw = await drawFromFrame(frame, 'verify-seed', stratified, {
        onFrameChunk: (c) => chunks.push(Buffer.from(c)), // the chunk's buffer is reused: keep a copy
      });
      const text = Buffer.concat(chunks).toString('utf8');
      expect(text).to.equal(frame.map((e) => `${e.referenceNumber}\t${e.stratum}\n`).join(''));
      expect(createHash('sha256').update(text, 'utf8').digest('hex')).to.equal(draw.frameHash);
    });

    it('serialises a frame of many chunks with UTF-8 labels byte for byte, whatever falls on a chunk boundary', () => {
      const labels = ['राजस्व', 'revenue', 'पुलिस-थाना', 'x'];
      const entries: FrameEntry[] = Array.from({ length: 9000 }, (_, i) => ({
        referenceNumber: `4001${String(i).padStart(9, '0')}`,
        stratum: labels[(i * 7) % labels.length],
      }));
      const chunks: Buffer[] = [];
      const hasher = new FrameHasher((c) => chunks.push(Buffer.from(c)));
      for (const e of entries) hasher.add(e.referenceNumber, e.stratum);
      const summary = hasher.finish();
      const expected = Buffer.from(
        entries.map((e) => `${e.referenceNumber}\t${e.stratum}\n`).join(''),
        'utf8',
      );
      expect(chunks.length).to.be.greaterThan(3);
      expect(chunks.every((c) => c.length <= 65_536)).to.equal(true);
      expect(Buffer.concat(chunks).equals(expected)).to.equal(true);
      expect(summary.frameHash).to.equal(createHash('sha256').update(expected).digest('hex'));
      expect(summary.frameSize).to.equal(9000);
    });
  });

  describe('bad input', () => {
    it('refuses a frame out of reference order or with a repeated reference', () => {
      const hasher = new FrameHasher();
      hasher.add('40015325000200', 'revenue');
      expectAppError(() => hasher.add('40015325000100', 'revenue'), 'sessions.error.frameNotInOrder', {
        previous: '40015325000200',
        current: '40015325000100',
      });
      expectAppError(() => hasher.add('40015325000200', 'police'), 'sessions.error.frameNotInOrder');
    });

    it('refuses references with spaces or non-ASCII characters, and strata with tabs or line breaks', () => {
      for (const reference of ['4001 5325', '४००१५३२५', '']) {
        expectAppError(() => new FrameHasher().add(reference, 'revenue'), 'sessions.error.referenceInvalid');
      }
      for (const stratum of ['rev\tenue', 'rev\nenue', '']) {
        expectAppError(
          () => new FrameHasher().add('40015325000100', stratum),
          'sessions.error.stratumLabelInvalid',
        );
      }
    });

    it('refuses a seed that is empty, has spaces or a "|"', async () => {
      for (const seed of ['', 'two words', 'a|b', 'बीज']) {
        await expectAppErrorAsync(
          () => drawFromFrame(exampleEntries(), seed, stratified),
          'sessions.error.seedInvalid',
        );
      }
    });

    it('refuses a bad design before reading a single row of the frame', async () => {
      // A frame whose first read fails the test: a bad design must be refused before any row is read.
      const untouchable: Iterable<FrameEntry> = {
        [Symbol.iterator]() {
          throw new Error('the frame was read');
        },
      };
      await expectAppErrorAsync(
        () =>
          drawFromFrame(untouchable, EXAMPLE_SEED, {
            kind: 'simple',
            sampleSize: 5,
            reservePerSampled: 50,
          }),
        'sessions.error.designInvalid',
      );
    });

    it('refuses to cut a ranking that was kept too shallow for the plan', () => {
      const ranking = new FrameRanking(EXAMPLE_SEED, 'stratum', 1);
      for (const e of exampleEntries()) ranking.add(e.referenceNumber, e.stratum);
      const plan = planSample(
        { kind: 'stratified', allocation: 'equal', sampleSize: 3 },
        new Map([
          ['revenue', 5],
          ['police', 3],
          ['electricity', 2],
        ]),
      );
      expect(() => selectFromRanking(ranking.finish(), plan)).to.throw(/depth too small/);
    });
  });
});
