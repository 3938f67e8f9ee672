// The complaints feature: import of IGRS exports, the complaints list and detail pages.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { BROWSERS, complaintsRoutes } from './complaints.routes.js';
import { importRoutes } from './import.routes.js';
import { ImportService } from './import.service.js';

export function createComplaintsFeature(deps: AppDeps): Feature {
  const importer = new ImportService({
    db: deps.db,
    clock: deps.clock,
    audit: deps.audit,
    events: deps.events,
  });
  return {
    name: 'complaints',
    // The import pages first: /complaints/import must not be read as a complaint id.
    routes: [...importRoutes(deps.db, importer, deps.logger, deps.audit), ...complaintsRoutes(deps.db)],
    nav: [
      { href: '/complaints', labelKey: 'nav.complaints', allow: BROWSERS },
      { href: '/complaints/import', labelKey: 'nav.import', allow: ['supervisor', 'admin'] },
    ],
  };
}
