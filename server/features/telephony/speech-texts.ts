// The words Twilio speaks: the message catalogue in the voice's language, with the office's own texts from settings.
import type { Knex } from 'knex';
import { z } from 'zod';
import { getSetting } from '../../shared/settings.js';
import { t, type Lang } from '../../shared/i18n.js';
import { createSpeak, speechKeys, type Speak, type SpeechKey } from './twiml.js';

export const SPEECH_SETTING = 'telephony.speech';

/** An office's replacements, key by key; placeholders as in the catalogue ({reference}, {department}). */
export const speechOverridesInput = z
  .partialRecord(z.enum(speechKeys), z.string().trim().min(1).max(1000))
  .refine((texts) => Object.keys(texts).length > 0);
export type SpeechOverrides = Partial<Record<SpeechKey, string>>;

// Long enough that a busy IVR run does not read the settings per call; short enough that an edit is heard soon.
const REFRESH_MS = 60_000;

/**
 * A Speak that stays synchronous (TwiML is built in one go) while its overrides come from the database:
 * they are re-read before calls are placed, and in the background when a minute old.
 */
export class SpeechTexts {
  private overrides: SpeechOverrides = {};
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  readonly lang: Lang;

  constructor(
    private readonly db: Knex,
    language: string,
  ) {
    this.lang = language.toLowerCase().startsWith('en') ? 'en' : 'hi';
  }

  readonly speak: Speak = (key, params) => {
    if (Date.now() - this.loadedAt > REFRESH_MS) void this.refresh().catch(() => undefined);
    return createSpeak((k, p) => t(this.lang, k, p), this.overrides)(key, params);
  };

  async refresh(): Promise<void> {
    this.loading ??= getSetting<SpeechOverrides>(this.db, SPEECH_SETTING, {})
      .then((stored) => {
        this.overrides = stored;
        this.loadedAt = Date.now();
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
