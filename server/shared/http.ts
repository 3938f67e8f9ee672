// Route tables: every route declares who may use it, so the guard and the role-matrix test read one list.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Server as SocketServer } from 'socket.io';
import { ZodError, type ZodType } from 'zod';
import { AppError } from './errors.js';

export const ROLES = ['admin', 'supervisor', 'session_officer', 'caller', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** 'public': anyone; 'signed-in': any signed-in user; or the roles allowed. */
export type Allow = 'public' | 'signed-in' | readonly Role[];

export interface RouteDef {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  allow: Allow;
  /** page: HTML, a refusal redirects to sign-in; json / file: a refusal is a 401/403 status. */
  kind: 'page' | 'json' | 'file';
  handler: RequestHandler | RequestHandler[];
  /** Requests signed by an outside service (Twilio) instead of carrying a CSRF token. */
  skipCsrf?: boolean;
}

export interface NavItem {
  href: string;
  labelKey: string;
  allow: Allow;
}

export interface Feature {
  name: string;
  routes: RouteDef[];
  /** Links in the top navigation, shown to the roles that may follow them. */
  nav?: NavItem[];
  /** Socket.io namespaces and handlers, attached once the HTTP server exists. */
  attachSockets?(io: SocketServer): void;
  close?(): Promise<void>;
}

/** Wraps an async handler so a rejected promise reaches the error middleware. */
export function asyncHandler(
  fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>,
): RequestHandler {
  return (req, res, next) => {
    fn(req, res, next).catch(next);
  };
}

/** Parses input with zod; a failure becomes a 400 with the first problem named. */
export function parseInput<T>(schema: ZodType<T>, input: unknown): T {
  try {
    return schema.parse(input);
  } catch (err) {
    if (err instanceof ZodError) {
      const issue = err.issues[0]!;
      const field = issue.path.join('.') || 'input';
      // `field` on its own lets a form name the field in the reader's language (zod's own text is English).
      throw new AppError(400, 'error.invalidInput', { detail: `${field}: ${issue.message}`, field });
    }
    throw err;
  }
}

/**
 * A form post: a mistake the user can put right (400 or 409) shows the form again through `showForm`, with the
 * message and what was typed; anything else (not found, forbidden, a failure) goes on to the error page.
 */
export async function withFormErrors(
  submit: () => Promise<void>,
  showForm: (error: AppError) => Promise<void>,
): Promise<void> {
  try {
    await submit();
  } catch (err) {
    if (err instanceof AppError && (err.status === 400 || err.status === 409)) return showForm(err);
    throw err;
  }
}

export const route = (
  method: RouteDef['method'],
  path: string,
  allow: Allow,
  kind: RouteDef['kind'],
  handler: RouteDef['handler'],
  extra: Partial<Pick<RouteDef, 'skipCsrf'>> = {},
): RouteDef => ({ method, path, allow, kind, handler, ...extra });
