// The calls feature: its routes, navigation and sockets, wired from the app's dependencies.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { CallQueue } from './call-queue.service.js';
import { callsRoutes } from './calls.routes.js';
import { correctionsRoutes } from './corrections.routes.js';
import { OutcomesService } from './outcomes.service.js';
import { ScriptsService } from './scripts.service.js';

export function createCallsFeature(deps: AppDeps): Feature {
  const queue = new CallQueue(deps.db, deps.clock, deps.events);
  const outcomes = new OutcomesService(deps.db, deps.clock, deps.events, deps.audit);
  const scripts = new ScriptsService(deps.db, deps.clock, deps.audit);
  return {
    name: 'calls',
    routes: [...callsRoutes(deps, { queue, outcomes, scripts }), ...correctionsRoutes(deps, outcomes)],
    nav: [
      { href: '/calls', labelKey: 'nav.calls', allow: ['caller', 'session_officer', 'supervisor', 'admin'] },
    ],
  };
}
