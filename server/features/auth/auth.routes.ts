// Sign-in and sign-out pages.
import type { Request, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { asyncHandler, parseInput, route, type RouteDef } from '../../shared/http.js';
import { getSetting } from '../../shared/settings.js';
import { t } from '../../shared/i18n.js';
import type { Knex } from 'knex';
import type { AuthService } from './auth.service.js';

const signInForm = z.object({
  username: z.string().trim().min(1).max(80),
  password: z.string().min(1).max(200),
  next: z.string().optional(),
});

export interface DemoAccount {
  username: string;
  password: string;
  role: string;
}

/** Only local paths are followed after sign-in, never another site. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function authRoutes(db: Knex, auth: AuthService, opts: { loginLimit: number }): RouteDef[] {
  const renderLogin = async (req: Request, res: Response, status = 200, errorKey?: string, params = {}) => {
    const demo = await getSetting<DemoAccount[] | null>(db, 'demo_accounts', null);
    res.status(status).render('auth/login', {
      title: t(req.lang, 'auth.title'),
      error: errorKey ? t(req.lang, errorKey, params) : null,
      next: typeof req.query.next === 'string' ? req.query.next : (req.body as { next?: string })?.next,
      demo: demo?.map((a) => ({ ...a, roleLabel: t(req.lang, `role.${a.role}`) })),
    });
  };

  const windowMinutes = 15;
  const limiter = rateLimit({
    windowMs: windowMinutes * 60 * 1000,
    limit: opts.loginLimit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Per address and user name, so one person's typos do not lock out a whole office behind one NAT.
    keyGenerator: (req) =>
      `${ipKeyGenerator(req.ip ?? '')}|${String((req.body as { username?: string })?.username ?? '').toLowerCase()}`,
    handler: (req, res) =>
      void renderLogin(req, res, 429, 'auth.error.rateLimited', { minutes: windowMinutes }),
  });

  return [
    route(
      'get',
      '/login',
      'public',
      'page',
      asyncHandler(async (req, res) => {
        if (req.user) return res.redirect(303, '/');
        await renderLogin(req, res);
      }),
    ),
    route('post', '/login', 'public', 'page', [
      limiter,
      asyncHandler(async (req, res) => {
        const form = parseInput(signInForm, req.body);
        const result = await auth.signIn(form.username, form.password);
        if (!result.ok) return renderLogin(req, res, 401, `auth.error.${result.reason}`);
        // A new session id on sign-in prevents session fixation.
        await new Promise<void>((resolve, reject) =>
          req.session.regenerate((err) => (err ? reject(err) : resolve())),
        );
        req.session.userId = result.user.id;
        // Saved before the redirect goes out: express-session otherwise saves while the response ends, and a
        // redirect with an empty body (asked for as JSON) reaches the client first, whose next request then
        // finds no session yet.
        await new Promise<void>((resolve, reject) =>
          req.session.save((err) => (err ? reject(err) : resolve())),
        );
        res.redirect(303, safeNext(form.next));
      }),
    ]),
    route('post', '/logout', 'signed-in', 'page', (req, res, next) => {
      req.session.destroy((err) => (err ? next(err) : res.redirect(303, '/login')));
    }),
  ];
}
