// Fills a route table's path parameters with ids of test rows, so access tests can call every route the tables declare.
import type { RouteDef } from '../../server/shared/http.js';
import type { World } from './builders-auth.js';

/**
 * What a parameter points at, found from its name (`:taskId`) or, for a bare `:id`, from the segment before it
 * (`/sessions/:id`). `bound`: the row belongs to a district, so a user scoped elsewhere must not reach it.
 */
const ENTITIES: Record<string, { id: (w: World, targetUserId: number) => number; bound: boolean }> = {
  complaint: { id: (w) => w.complaintId, bound: true },
  district: { id: (w) => w.districtId, bound: true },
  officer: { id: (w) => w.officerId, bound: true },
  session: { id: (w) => w.sessionId, bound: true },
  draw: { id: (w) => w.drawId, bound: true },
  selection: { id: (w) => w.selectionId, bound: true },
  task: { id: (w) => w.taskId, bound: true },
  attempt: { id: (w) => w.attemptId, bound: true },
  outcome: { id: (w) => w.outcomeId, bound: true },
  flag: { id: (w) => w.flagId, bound: true },
  explanation: { id: (w) => w.explanationId, bound: true },
  demand: { id: (w) => w.explanationId, bound: true },
  batch: { id: (w) => w.importBatchId, bound: true },
  import: { id: (w) => w.importBatchId, bound: true },
  user: { id: (_w, target) => target, bound: false },
};

export interface FilledPath {
  path: string;
  /** Reaches a row of one district: the cross-district check applies. */
  districtBound: boolean;
  /** Parameters no entity matched (filled with 999999): add them to ENTITIES. */
  unresolved: string[];
}

const singular = (s: string) => (s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.replace(/s$/, ''));

export function fillPath(route: Pick<RouteDef, 'path'>, world: World, targetUserId: number): FilledPath {
  const segments = route.path.split('/');
  let districtBound = false;
  const unresolved: string[] = [];
  const filled = segments.map((seg, i) => {
    const m = /^:(\w+)(.*)$/.exec(seg);
    if (!m) return seg;
    const [, name, rest] = m as unknown as [string, string, string];
    const key = name === 'id' ? singular(segments[i - 1] ?? '') : name.replace(/Id$/, '');
    const entity = ENTITIES[key];
    if (!entity) {
      unresolved.push(name);
      return `999999${rest}`;
    }
    districtBound ||= entity.bound;
    return `${entity.id(world, targetUserId)}${rest}`;
  });
  return { path: filled.join('/'), districtBound, unresolved };
}

/** Every route of every feature, as the app mounted them. */
export function routesOf(features: Array<{ name: string; routes: RouteDef[] }>) {
  return features.flatMap((f) =>
    f.routes.map((route) => ({ feature: f.name, route, key: `${route.method} ${route.path}` })),
  );
}
