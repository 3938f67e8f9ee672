// Builders for sessions tests: a planned session with callers, through the real service (so it is checked alike).
import type { Knex } from 'knex';
import type { AppDeps } from '../../server/deps.js';
import { SessionsService, newSessionInput } from '../../server/features/sessions/sessions.service.js';
import { findUserById } from '../../server/features/auth/users.repository.js';
import { aUser, districtId } from './builders.js';

export interface SessionSpec {
  callers?: number[];
  mode?: 'officers' | 'pool';
  perCaller?: number;
  total?: number;
  design?: 'simple' | 'proportional' | 'equal';
  minimumPerStratum?: number;
  disposedFrom?: string;
  disposedTo?: string;
  departments?: string[];
  excludeVerifiedDays?: number;
  supervisorId?: number;
}

/** A supervisor of Kanpur Nagar, returned as the signed-in user object the services take. */
export async function aSupervisor(db: Knex) {
  const u = await aUser(db, { role: 'supervisor' });
  return (await findUserById(db, u.id))!;
}

/** Creates a planned session through SessionsService.createSession; disposal dates default to a wide range. */
export async function aSession(deps: AppDeps, spec: SessionSpec = {}): Promise<number> {
  const supervisor = spec.supervisorId
    ? (await findUserById(deps.db, spec.supervisorId))!
    : await aSupervisor(deps.db);
  const input = newSessionInput.parse({
    title: 'पहले सप्ताह का सत्र',
    districtId: await districtId(deps.db),
    sessionDate: '2026-12-02',
    mode: spec.mode ?? 'officers',
    callerIds: spec.callers ?? [],
    perCaller: spec.perCaller ?? 5,
    total: spec.total,
    disposedFrom: spec.disposedFrom ?? '2000-01-01',
    disposedTo: spec.disposedTo ?? '2099-12-31',
    departments: spec.departments ?? [],
    excludeVerifiedDays: spec.excludeVerifiedDays ?? 90,
    designKind: spec.design ?? 'proportional',
    minimumPerStratum: spec.minimumPerStratum,
  });
  return new SessionsService(deps).createSession(supervisor, input);
}
