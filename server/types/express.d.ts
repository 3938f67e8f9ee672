// What the sign-in middleware adds to every request and session.
import type { SignedInUser } from '../features/auth/users.repository.js';
import type { Lang } from '../shared/i18n.js';

declare global {
  namespace Express {
    interface Request {
      user?: SignedInUser;
      lang: Lang;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    csrfToken?: string;
  }
}

export {};
