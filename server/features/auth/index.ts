// The auth feature: sign-in pages; the guard itself is applied by the app to every route table.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { authRoutes } from './auth.routes.js';
import { AuthService } from './auth.service.js';

export function createAuthFeature(deps: AppDeps): Feature {
  const auth = new AuthService(deps.db, deps.audit, deps.clock);
  return {
    name: 'auth',
    routes: authRoutes(deps.db, auth, { loginLimit: deps.config.loginAttempts }),
  };
}
