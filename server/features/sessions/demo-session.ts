// A drawn feedback session for the demo: the 11 Kanpur Nagar officers with 5 complaints each, ready to call.
import type { AppDeps } from '../../deps.js';
import { IST } from '../../shared/dates.js';
import { findUserForSignIn } from '../auth/users.repository.js';
import { drawSample } from './draw.service.js';
import { newSessionInput, SessionsService } from './sessions.service.js';

const OFFICERS = ['adm1', 'adm2', 'adm3', 'adm4', 'adm5', 'acm1', 'acm2', 'acm3', 'acm4', 'acm5', 'acm6'];

/** Plans and draws one session of the demo district, as the demo supervisor; returns its id. */
export async function seedDemoSession(deps: AppDeps): Promise<number> {
  const { db } = deps;
  const supervisor = (await findUserForSignIn(db, 'supervisor'))!.user;
  const district = (await db('districts').where({ code: 'kanpur-nagar' }).first('id')) as { id: number };
  const callerIds = (await db('users').whereIn('username', OFFICERS).orderBy('id').pluck('id')) as number[];
  const today = deps.clock.now().setZone(IST);
  const input = newSessionInput.parse({
    title: 'पाक्षिक फीडबैक सत्र (डेमो) — कलेक्ट्रेट, कानपुर नगर',
    districtId: district.id,
    sessionDate: today.toISODate(),
    mode: 'officers',
    callerIds,
    perCaller: 5,
    disposedFrom: today.minus({ days: 60 }).toISODate(),
    disposedTo: today.toISODate(),
    designKind: 'proportional',
  });
  const sessionId = await new SessionsService(deps).createSession(supervisor, input);
  await drawSample(deps, supervisor, sessionId);
  return sessionId;
}
