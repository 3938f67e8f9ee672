// Handlebars helpers available in every template; the language comes from the render context.
import type { HelperOptions } from 'handlebars';
import { formatIst } from './dates.js';
import { isLang, t, type Lang } from './i18n.js';
import { maskMobile } from './phones.js';

const langOf = (options: HelperOptions): Lang => {
  const lang = (options.data?.root as { lang?: string } | undefined)?.lang;
  return isLang(lang) ? lang : 'hi';
};

export const viewHelpers = {
  /** {{t "key" name=value}} */
  t(key: string, options: HelperOptions) {
    return t(langOf(options), key, options.hash as Record<string, unknown>);
  },
  /** {{date value "datetime"}} in Asia/Kolkata. */
  date(value: string, style: unknown, options?: HelperOptions) {
    const opts = (options ?? style) as HelperOptions;
    const s = typeof style === 'string' ? (style as 'date' | 'datetime' | 'time') : 'datetime';
    return formatIst(value, langOf(opts), s);
  },
  mask(value: string) {
    return maskMobile(value);
  },
  eq(a: unknown, b: unknown) {
    return a === b;
  },
  /** Data for browser scripts inside <script type="application/json">; '<' is escaped so it cannot close the tag. */
  json(value: unknown) {
    return JSON.stringify(value ?? null).replace(/</g, '\\u003c');
  },
  number(value: unknown, options: HelperOptions) {
    const n = Number(value);
    return Number.isFinite(n) ? n.toLocaleString(langOf(options) === 'en' ? 'en-IN' : 'hi-IN') : '';
  },
};
