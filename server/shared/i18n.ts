// The message catalogue: one JSON file per language, Hindi by default, English as the switch.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config.js';

export const LANGUAGES = ['hi', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DEFAULT_LANG: Lang = 'hi';

type Catalogue = Record<string, string>;

function loadCatalogue(lang: Lang): Catalogue {
  // Read at start-up from the source tree (also shipped beside dist/), so the JSON stays the one copy.
  const file = path.join(projectRoot, 'server', 'shared', 'i18n', `${lang}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Catalogue;
}

const catalogues: Record<Lang, Catalogue> = { hi: loadCatalogue('hi'), en: loadCatalogue('en') };

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Looks a message up and fills `{name}` placeholders; falls back to English, then to the key itself. */
export function t(lang: Lang, key: string, params: Record<string, unknown> = {}): string {
  const template = catalogues[lang][key] ?? catalogues.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params && params[name] !== undefined && params[name] !== null ? String(params[name]) : whole,
  );
}

export function hasMessage(key: string): boolean {
  return key in catalogues.hi && key in catalogues.en;
}

export function catalogueKeys(lang: Lang): string[] {
  return Object.keys(catalogues[lang]);
}

/** The subset of the catalogue the browser scripts need, by key prefix. */
export function clientMessages(lang: Lang, prefixes: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(catalogues[lang])) {
    if (prefixes.some((p) => k.startsWith(p))) out[k] = v;
  }
  return out;
}
