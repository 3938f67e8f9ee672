// Debian's Chromium driven by playwright-core: never a downloaded browser; skips cleanly where none is installed.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}

/** One Chromium for a describe block: launched before its tests, closed after them; read it as `chromium.browser`. */
export function useChromium(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('Chromium is launched in the describe block’s before hook');
      return browser;
    },
  };
}

/** Cookies a TestClient holds, in the shape a browser context takes. */
export function browserCookies(cookieHeader: string, url: string) {
  return cookieHeader
    .split('; ')
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf('=');
      return { name: pair.slice(0, i), value: pair.slice(i + 1), url };
    });
}
