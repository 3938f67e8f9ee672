// The complaints feature: its routes, navigation and sockets, wired from the app's dependencies.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';

export function createComplaintsFeature(_deps: AppDeps): Feature {
  return { name: 'complaints', routes: [] };
}
