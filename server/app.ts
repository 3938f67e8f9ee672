// createApp(deps): wires the features' route tables behind sign-in, roles, CSRF and security headers.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { engine as handlebarsEngine } from 'express-handlebars';
import session from 'express-session';
import helmet from 'helmet';
import { stdSerializers as pinoStdSerializers } from 'pino';
import { pinoHttp } from 'pino-http';
import { projectRoot } from './config.js';
import type { AppDeps } from './deps.js';
import { startAuditSealer } from './features/audit/audit-log.js';
import { buildFeatures } from './features/index.js';
import { csrfCheck, csrfToken, guardFor, isAllowed } from './features/auth/guard.js';
import { KnexSessionStore } from './features/auth/session-store.js';
import { findUserById } from './features/auth/users.repository.js';
import { AppError } from './shared/errors.js';
import type { Feature } from './shared/http.js';
import { DEFAULT_LANG, isLang, t } from './shared/i18n.js';
import { getSetting } from './shared/settings.js';
import { nowDb } from './shared/dates.js';
import { viewHelpers } from './shared/view-helpers.js';

export interface App {
  app: express.Express;
  features: Feature[];
  sessionMiddleware: RequestHandler;
  close(): Promise<void>;
}

/** The secret that signs session cookies: from config, or made once and kept in the database for all processes. */
async function sessionSecret(deps: AppDeps): Promise<string> {
  if (deps.config.sessionSecret) return deps.config.sessionSecret;
  const stored = await getSetting<string | null>(deps.db, 'session_secret', null);
  if (stored) return stored;
  const made = randomBytes(32).toString('hex');
  await deps
    .db('settings')
    .insert({ key: 'session_secret', value: JSON.stringify(made), updated_at: nowDb() })
    .onConflict('key')
    .ignore();
  // Another process may have made one at the same moment: everyone uses the one that was stored.
  return getSetting<string>(deps.db, 'session_secret', made);
}

export async function createApp(deps: AppDeps): Promise<App> {
  const app = express();
  app.disable('x-powered-by');
  const trust = deps.config.trustProxy;
  app.set(
    'trust proxy',
    trust === 'true' ? true : trust === 'false' ? false : /^\d+$/.test(trust) ? Number(trust) : trust,
  );

  app.engine(
    'hbs',
    handlebarsEngine({
      extname: '.hbs',
      defaultLayout: 'main',
      layoutsDir: path.join(projectRoot, 'views', 'layouts'),
      partialsDir: path.join(projectRoot, 'views', 'partials'),
      helpers: viewHelpers,
    }),
  );
  app.set('view engine', 'hbs');
  app.set('views', path.join(projectRoot, 'views'));
  if (deps.config.env === 'production') app.enable('view cache');

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'img-src': ["'self'", 'data:'],
          'media-src': ["'self'", 'https:'],
          'form-action': ["'self'"],
          // Offices often serve the desk over plain HTTP on their LAN; upgrading would break every asset there.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  // A line per request at info. pino-http serialises the request into a child logger as each request starts,
  // whatever the level: with its standard serialisers (every header) that was most of a fast request's cost. So
  // the line carries what an operator reads, and below info pino-http is not mounted at all.
  if (deps.config.env !== 'test' && deps.logger.isLevelEnabled('info'))
    app.use(
      pinoHttp({
        logger: deps.logger,
        autoLogging: { ignore: (req) => req.url === '/healthz' },
        wrapSerializers: false,
        serializers: {
          req: (req: Request) => ({ id: req.id, method: req.method, url: req.originalUrl ?? req.url }),
          res: (res: Response) => ({ statusCode: res.statusCode }),
          err: pinoStdSerializers.err,
        },
      }),
    );
  app.use(
    '/static',
    express.static(path.join(projectRoot, 'public'), { maxAge: deps.config.env === 'production' ? '1h' : 0 }),
  );
  app.use(
    '/static/vendor/chart.js',
    express.static(path.join(projectRoot, 'node_modules', 'chart.js', 'dist')),
  );
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false, limit: '1mb' }));
  app.use(cookieParser());

  const store = new KnexSessionStore(deps.db);
  const sessionMiddleware = session({
    name: 'desk.sid',
    secret: await sessionSecret(deps),
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 12 * 60 * 60 * 1000 },
  });
  app.use(sessionMiddleware);

  // Language: ?lang= switches and is remembered in a cookie; Hindi by default.
  app.use((req, res, next) => {
    const asked = req.query.lang;
    if (isLang(asked)) {
      res.cookie('lang', asked, { maxAge: 365 * 24 * 3600 * 1000, sameSite: 'lax', httpOnly: false });
      req.lang = asked;
    } else {
      req.lang = isLang(req.cookies?.lang) ? req.cookies.lang : DEFAULT_LANG;
    }
    next();
  });

  // The signed-in user, read fresh on each request so role and scope changes apply at once.
  app.use((req, _res, next) => {
    const id = req.session.userId;
    if (!id) return next();
    const loaded = store.takeUser(req.sessionID, id);
    if (loaded) {
      if (loaded.active) req.user = loaded;
      return next();
    }
    findUserById(deps.db, id)
      .then((user) => {
        if (user?.active) req.user = user;
        next();
      })
      .catch(next);
  });

  const features = buildFeatures(deps);
  const nav = features.flatMap((f) => f.nav ?? []);

  // What every page's layout shows. Worked out when a view renders, not for every request: a JSON call needs none
  // of it, and making the CSRF token here would have written a session for every anonymous request.
  app.use((req, res, next) => {
    const other = req.lang === 'hi' ? 'en' : 'hi';
    res.locals.lang = req.lang;
    res.locals.otherLang = other;
    res.locals.user = req.user;
    const lazy = (name: string, value: () => unknown) =>
      Object.defineProperty(res.locals, name, { get: value, enumerable: true, configurable: true });
    lazy('langSwitchHref', () => {
      const url = new URL(req.originalUrl, 'http://x');
      url.searchParams.set('lang', other);
      return url.pathname + url.search;
    });
    lazy('roleLabel', () => (req.user ? t(req.lang, `role.${req.user.role}`) : ''));
    lazy('csrfToken', () => csrfToken(req));
    lazy('nav', () =>
      req.user
        ? nav
            .filter((n) => isAllowed(n.allow, req.user!.role))
            .map((n) => ({
              href: n.href,
              label: t(req.lang, n.labelKey),
              active: req.path === n.href || req.path.startsWith(`${n.href}/`),
            }))
        : [],
    );
    next();
  });

  for (const feature of features) {
    for (const r of feature.routes) {
      const handlers = Array.isArray(r.handler) ? r.handler : [r.handler];
      app[r.method](r.path, guardFor(r), csrfCheck(r), ...handlers);
    }
  }

  app.use((_req, _res, next) => next(new AppError(404, 'error.notFound')));

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const known = err instanceof AppError ? err : null;
    const status = known?.status ?? (typeof err?.status === 'number' && err.status < 500 ? err.status : 500);
    const key =
      known?.key ??
      (status === 400 ? 'error.invalidInput' : status === 404 ? 'error.notFound' : 'error.internal');
    const message = t(req.lang ?? DEFAULT_LANG, key, known?.params ?? { detail: err?.message ?? '' });
    if (status >= 500) deps.logger.error({ err, url: req.originalUrl }, 'request failed');
    if (res.headersSent) return;
    const wantsJson = req.accepts(['html', 'json']) === 'json' || req.path.startsWith('/api/') || req.xhr;
    if (wantsJson) {
      res.status(status).json({ error: { key, message, params: known?.params ?? {} } });
    } else {
      res
        .status(status)
        .render('errors/error', { title: t(req.lang ?? DEFAULT_LANG, 'error.title'), status, message });
    }
  };
  app.use(onError);

  const sealer = deps.config.auditSealMs
    ? startAuditSealer(deps.db, deps.config.auditSealMs, (err) =>
        deps.logger.error({ err }, 'audit entries not sealed this round'),
      )
    : null;

  return {
    app,
    features,
    sessionMiddleware,
    async close() {
      store.close();
      for (const f of features) await f.close?.();
      await sealer?.stop();
    },
  };
}
