// One typed, validated configuration object read from the environment.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root, whether running from sources (tsx) or from the compiled dist/ folder. */
export const projectRoot = path.basename(here) === 'dist' ? path.dirname(here) : here;

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().optional(),
  SQLITE_FILE: z.string().default(path.join(projectRoot, 'data', 'feedback-desk.sqlite')),
  SEED_DEMO: boolish.default(true),
  DEMO_COMPLAINTS: z.coerce.number().int().min(0).default(3000),
  SESSION_SECRET: z.string().min(16).optional(),
  TRUST_PROXY: z.string().default('false'),
  REDIS_URL: z.string().optional(),
  REDIS_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      'letters, digits, ".", "_" or "-" (at most 64), starting with a letter or digit',
    )
    .default('igrs-desk'),
  LOGIN_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_BASE_URL: z.string().url().optional(),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_CALLER_ID: z.string().optional(),
  TWILIO_API_BASE_URL: z.string().url().optional(),
  TELEPHONY_VOICE: z.string().min(1).default('Polly.Aditi'),
  TELEPHONY_LANGUAGE: z.string().min(2).default('hi-IN'),
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  AUDIT_SEAL_MS: z.coerce.number().int().min(0).optional(),
});

export type DatabaseConfig =
  { client: 'sqlite'; filename: string } | { client: 'mysql'; url: string; database: string };

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  database: DatabaseConfig;
  seedDemo: boolean;
  demoComplaints: number;
  sessionSecret: string | undefined;
  trustProxy: string;
  redisUrl: string | undefined;
  /**
   * Starts every Redis key and pub/sub channel this deployment uses, so deployments sharing one Redis never see
   * each other's boards.
   */
  redisPrefix: string;
  /** Failed-or-not sign-in attempts allowed per address and user name in 15 minutes. */
  loginAttempts: number;
  logLevel: string;
  /** How often committed audit entries are chained; 0 turns the timer off (tests seal when they need to). */
  auditSealMs: number;
  publicBaseUrl: string | undefined;
  twilio: { accountSid: string; authToken: string; callerId: string } | undefined;
  telephony: {
    /** Twilio's REST API elsewhere (a local fake for demos); unset means api.twilio.com. */
    apiBaseUrl: string | undefined;
    /** The <Say> voice and language of the IVR and announcements. */
    voice: string;
    language: string;
    /** Days a call recording is kept before it is deleted at Twilio. */
    recordingRetentionDays: number;
  };
}

export class ConfigError extends Error {}

/** Parses a DATABASE_URL; only mysql:// (MySQL 8 / MariaDB 10.8+) and sqlite: (file path) are accepted. */
export function parseDatabaseUrl(url: string | undefined, sqliteFile: string): DatabaseConfig {
  if (!url) return { client: 'sqlite', filename: sqliteFile };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file)
      throw new ConfigError('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:data/desk.sqlite');
    return { client: 'sqlite', filename: path.resolve(projectRoot, file) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `DATABASE_URL is not a valid URL. Expected mysql://USER:PASSWORD@HOST:3306/DATABASE (got "${redact(url)}").`,
    );
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new ConfigError(
      `DATABASE_URL must start with mysql:// (MySQL 8 or MariaDB 10.8+) or sqlite: — got "${parsed.protocol}//".`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) {
    throw new ConfigError(
      'DATABASE_URL has no database name. Add it after the host: mysql://root@127.0.0.1:3306/igrs',
    );
  }
  return { client: 'mysql', url: url.replace(/^mariadb:/, 'mysql:'), database };
}

function redact(url: string): string {
  // Whatever stands between a ':' and an '@' may be a password: never echo it back.
  return url.replace(/:[^:@\s]*@/g, ':***@');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(
      `Configuration is invalid:\n${lines.join('\n')}\nSee .env.example for every setting.`,
    );
  }
  const e = result.data;
  const twilioParts = [e.TWILIO_ACCOUNT_SID, e.TWILIO_AUTH_TOKEN, e.TWILIO_CALLER_ID, e.PUBLIC_BASE_URL];
  const twilioOn = twilioParts.every(Boolean);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database: parseDatabaseUrl(e.DATABASE_URL, e.SQLITE_FILE),
    seedDemo: e.SEED_DEMO,
    demoComplaints: e.DEMO_COMPLAINTS,
    sessionSecret: e.SESSION_SECRET,
    trustProxy: e.TRUST_PROXY,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    loginAttempts: e.LOGIN_ATTEMPTS,
    logLevel: e.LOG_LEVEL,
    auditSealMs: e.AUDIT_SEAL_MS ?? (e.NODE_ENV === 'test' ? 0 : 1000),
    publicBaseUrl: e.PUBLIC_BASE_URL,
    twilio: twilioOn
      ? { accountSid: e.TWILIO_ACCOUNT_SID!, authToken: e.TWILIO_AUTH_TOKEN!, callerId: e.TWILIO_CALLER_ID! }
      : undefined,
    telephony: {
      apiBaseUrl: e.TWILIO_API_BASE_URL,
      voice: e.TELEPHONY_VOICE,
      language: e.TELEPHONY_LANGUAGE,
      recordingRetentionDays: e.RECORDING_RETENTION_DAYS,
    },
  };
}
