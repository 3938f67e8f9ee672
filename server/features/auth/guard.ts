// Enforces each route's `allow` and the CSRF token on state-changing requests.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Allow, Role, RouteDef } from '../../shared/http.js';
import { AppError } from '../../shared/errors.js';

export function isAllowed(allow: Allow, role: Role | undefined): boolean {
  if (allow === 'public') return true;
  if (!role) return false;
  if (allow === 'signed-in') return true;
  return allow.includes(role);
}

/** Signs-in first, then roles: a page sends strangers to the sign-in form, an endpoint answers 401/403. */
export function guardFor(route: RouteDef): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (route.allow === 'public') return next();
    if (!req.user) {
      if (route.kind === 'page' && req.method === 'GET') {
        return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      }
      return next(new AppError(401, 'error.signInRequired'));
    }
    if (!isAllowed(route.allow, req.user.role)) return next(new AppError(403, 'error.forbidden'));
    next();
  };
}

/** The session's CSRF token (synchroniser-token pattern), made on first use. */
export function csrfToken(req: Request): string {
  if (!req.session.csrfToken) req.session.csrfToken = randomBytes(24).toString('base64url');
  return req.session.csrfToken;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function csrfCheck(route: RouteDef): RequestHandler {
  return (req, _res, next) => {
    if (route.skipCsrf || !UNSAFE.has(req.method)) return next();
    const expected = req.session.csrfToken;
    const sent = (req.get('x-csrf-token') ??
      (req.body as Record<string, unknown> | undefined)?._csrf) as unknown;
    if (typeof sent !== 'string' || !expected) return next(new AppError(403, 'error.csrf'));
    const a = Buffer.from(sent);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return next(new AppError(403, 'error.csrf'));
    next();
  };
}
