// Starts the real app on port 0 against the test database, and an HTTP client that signs in like a browser.
import type { Knex } from 'knex';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../server/config.js';
import type { AppDeps } from '../../server/deps.js';
import { AuditLog } from '../../server/features/audit/audit-log.js';
import { startServer, type RunningServer } from '../../server/http-server.js';
import { type Clock, systemClock } from '../../server/shared/dates.js';
import { EventBus } from '../../server/shared/events.js';

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'test-secret-test-secret',
    LOG_LEVEL: 'silent',
  });
  return { ...base, ...overrides };
}

export function testDeps(db: Knex, extra: { clock?: Clock; config?: Partial<Config> } = {}): AppDeps {
  const clock = extra.clock ?? systemClock;
  return {
    config: testConfig(extra.config),
    db,
    clock,
    // TEST_LOG_LEVEL=error shows what a 500 was, when a test meets one.
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    events: new EventBus(),
    audit: new AuditLog(clock),
  };
}

export async function startTestServer(deps: AppDeps): Promise<RunningServer> {
  return startServer(deps, 0, '127.0.0.1');
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

/** A tiny browser: keeps cookies, finds the CSRF token on pages, and sends it with every unsafe request. */
export class TestClient {
  private cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(readonly baseUrl: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const h: Record<string, string> = {
      cookie: this.cookieHeader(),
      accept: 'application/json, text/html;q=0.9',
      ...headers,
    };
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body instanceof URLSearchParams) {
      payload = body.toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    if (method !== 'GET' && this.csrf && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrf;
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const text = await res.text();
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1]!;
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }
  getPage(path: string) {
    return this.request('GET', path, undefined, { accept: 'text/html' });
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body ?? {}, headers);
  }

  /** Signs in through the real form; throws when the sign-in is refused. */
  async signIn(username: string, password: string): Promise<this> {
    await this.getPage('/login');
    const res = await this.request(
      'POST',
      '/login',
      new URLSearchParams({ username, password, _csrf: this.csrf ?? '' }),
      { accept: 'text/html' },
    );
    if (res.status !== 303) throw new Error(`sign-in as ${username} failed with ${res.status}`);
    await this.getPage('/');
    return this;
  }
}
