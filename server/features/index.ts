// Every feature of the product, in the order their routes are mounted.
import type { AppDeps } from '../deps.js';
import type { Feature, NavItem } from '../shared/http.js';
import { createAuthFeature } from './auth/index.js';
import { createBoardFeature } from './board/index.js';
import { createCallsFeature } from './calls/index.js';
import { createComplaintsFeature } from './complaints/index.js';
import { createHomeFeature } from './home/index.js';
import { createReportsFeature } from './reports/index.js';
import { createReviewFeature } from './review/index.js';
import { createSessionsFeature } from './sessions/index.js';
import { createTelephonyFeature } from './telephony/index.js';

export function buildFeatures(deps: AppDeps): Feature[] {
  const features: Feature[] = [];
  const nav = (): NavItem[] => features.flatMap((f) => f.nav ?? []);
  features.push(
    createHomeFeature(deps.db, nav),
    createAuthFeature(deps),
    createComplaintsFeature(deps),
    createSessionsFeature(deps),
    createCallsFeature(deps),
    createTelephonyFeature(deps),
    createBoardFeature(deps),
    createReviewFeature(deps),
    createReportsFeature(deps),
  );
  return features;
}
