// Matches district and department names as exports spell them ("जनपद कानपुर नगर", "Revenue Dept.") to the master lists.
import type { MasterEntry } from '../master-data.js';
import { matchKey } from './normalise.js';

export interface NameMatcher<T> {
  /** The entry a name denotes; undefined when unknown or when it could mean two entries. */
  match(name: string): T | undefined;
}

// Words that exports add around a name without changing what it names.
const DISTRICT_NOISE = [
  'district',
  'distt',
  'dist',
  'jila',
  'janpad',
  'जिला',
  'जनपद',
  'uttar pradesh',
  'उत्तर प्रदेश',
];
const DEPARTMENT_NOISE = [
  'department',
  'dept',
  'deptt',
  'vibhag',
  'विभाग',
  'and',
  'एवं',
  'व',
  'और',
  'uttar pradesh',
  'उत्तर प्रदेश',
  'up',
];

const WORD_SPLIT = /[\s,.\-_/()&]+/u;
const CACHE_LIMIT = 10_000;

function keysOf(name: string, noise: ReadonlySet<string>): string[] {
  const full = matchKey(name);
  const words = name
    .split(WORD_SPLIT)
    .map(matchKey)
    .filter((w) => w !== '' && !noise.has(w));
  const core = words.join('');
  return core !== '' && core !== full ? [full, core] : [full];
}

/** Builds a matcher from entries that each go by several names. */
export function createNameMatcher<T>(
  entries: Iterable<{ names: string[]; value: T }>,
  noiseWords: string[] = [],
): NameMatcher<T> {
  // A noise phrase ("उत्तर प्रदेश") is dropped word by word.
  const noise = new Set(noiseWords.flatMap((phrase) => phrase.split(WORD_SPLIT)).map(matchKey));
  const index = new Map<string, T | null>(); // null: two entries share this spelling
  for (const { names, value } of entries) {
    for (const name of names) {
      for (const key of keysOf(name, noise)) {
        if (key === '') continue;
        const taken = index.get(key);
        index.set(key, taken === undefined || taken === value ? value : null);
      }
    }
  }
  const cache = new Map<string, T | undefined>();
  return {
    match(name) {
      if (cache.has(name)) return cache.get(name);
      let found: T | undefined;
      for (const key of keysOf(name, noise)) {
        const hit = index.get(key);
        if (hit !== undefined && hit !== null) {
          found = hit;
          break;
        }
      }
      if (cache.size < CACHE_LIMIT) cache.set(name, found);
      return found;
    },
  };
}

function entryNames(entry: MasterEntry): string[] {
  return [entry.code, entry.nameEn, entry.nameHi, ...entry.aliases];
}

/** Matches district names to district codes. */
export function districtMatcher(districts: readonly MasterEntry[]): NameMatcher<string> {
  return createNameMatcher(
    districts.map((e) => ({ names: entryNames(e), value: e.code })),
    DISTRICT_NOISE,
  );
}

/** Matches department names to department codes. */
export function departmentMatcher(departments: readonly MasterEntry[]): NameMatcher<string> {
  return createNameMatcher(
    departments.map((e) => ({ names: entryNames(e), value: e.code })),
    DEPARTMENT_NOISE,
  );
}
