// The auth feature: sign-in pages and the admin's user pages; the guard itself is applied by the app to every route table.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { authRoutes } from './auth.routes.js';
import { AuthService } from './auth.service.js';
import { usersRoutes } from './users.routes.js';

export function createAuthFeature(deps: AppDeps): Feature {
  const auth = new AuthService(deps.db, deps.audit, deps.clock);
  return {
    name: 'auth',
    routes: [
      ...authRoutes(deps.db, auth, { loginLimit: deps.config.loginAttempts }),
      ...usersRoutes(deps.db, auth),
    ],
    nav: [{ href: '/admin/users', labelKey: 'nav.users', allow: ['admin'] }],
  };
}
