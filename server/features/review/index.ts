// The review feature: flags, rejections, explanation demands, letters and the re-opening list.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { reviewRoutes } from './review.routes.js';
import { ReviewService } from './review.service.js';

export function createReviewFeature(deps: AppDeps): Feature {
  const service = new ReviewService(deps);
  return {
    name: 'review',
    routes: reviewRoutes(deps, service),
    nav: [
      { href: '/review', labelKey: 'nav.review', allow: ['admin', 'supervisor', 'session_officer'] },
      {
        href: '/review/explanations',
        labelKey: 'nav.explanations',
        allow: ['admin', 'supervisor', 'session_officer'],
      },
    ],
  };
}
