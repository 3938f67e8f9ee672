// The reports feature: session reports with their exports, and the trends across sessions.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { reportsRoutes } from './reports.routes.js';
import { SessionReportService } from './session-report.service.js';

export function createReportsFeature(deps: AppDeps): Feature {
  const service = new SessionReportService(deps.db, deps.clock);
  return {
    name: 'reports',
    routes: reportsRoutes(deps, service),
    nav: [
      {
        href: '/reports',
        labelKey: 'nav.reports',
        allow: ['admin', 'supervisor', 'session_officer', 'viewer'],
      },
    ],
  };
}
