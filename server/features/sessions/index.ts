// The sessions feature: its routes, navigation and sockets, wired from the app's dependencies.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { sessionsRoutes } from './sessions.routes.js';
import { SessionsService } from './sessions.service.js';

export function createSessionsFeature(deps: AppDeps): Feature {
  const service = new SessionsService(deps);
  return {
    name: 'sessions',
    routes: sessionsRoutes(deps, service),
    nav: [{ href: '/sessions', labelKey: 'nav.sessions', allow: ['admin', 'supervisor'] }],
  };
}
