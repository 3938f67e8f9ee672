// Planning feedback sessions: creating one (checked against its frame before anything is written), previewing the
// frame and margins, proposing dates, and gathering everything the sample certificate shows.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { lockForUpdate } from '../../db/locking.js';
import { badRequest, conflict, forbidden, notFound } from '../../shared/errors.js';
import { fromDbTime, IST, istDay, nowDb } from '../../shared/dates.js';
import { canSeeDistrict, type SignedInUser } from '../auth/users.repository.js';
import { callersOnlyConflicted } from './allocation.service.js';
import { sessionSampleDesign } from './draw.service.js';
import {
  countDisposedInRange,
  countFrameByDepartment,
  DEFAULT_EXCLUDE_VERIFIED_DAYS,
  latestDisposal,
  type FrameFilter,
} from './frame.repository.js';
import { planSample, type SamplePlan } from './sampling/designs.js';
import { planMargins, type PlanMargins } from './sampling/margin-of-error.js';
import {
  countDraws,
  departmentNames,
  findDistrictSettings,
  findEligibleCallers,
  findSession,
  insertSession,
  listDraws,
  listSelections,
  listSessionCallers,
  updateDistrictSettings,
  updateSessionFrame,
  type DrawRecord,
  type SelectionRecord,
  type SessionCaller,
  type SessionRecord,
} from './sessions.repository.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const list = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(
    (v) =>
      (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((x: unknown) =>
        typeof x === 'string'
          ? x
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [x],
      ),
    z.array(item),
  );
const optionalInt = z.preprocess(
  (v) => (v === '' || v === null ? undefined : v),
  z.coerce.number().int().min(0).optional(),
);

const days = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.coerce.number().int().min(0).max(3650).default(DEFAULT_EXCLUDE_VERIFIED_DAYS),
);

/** The sampling frame's filters, from a form or JSON: all a session's plan that may change until its first draw. */
export const frameInput = z.object({
  disposedFrom: day,
  disposedTo: day,
  departments: list(z.string().trim().min(1).max(40)),
  sources: list(z.string().trim().min(1).max(60)),
  tehsils: list(z.string().trim().min(1).max(100)),
  thanas: list(z.string().trim().min(1).max(100)),
  excludeVerifiedDays: days,
});
export type FrameInput = z.infer<typeof frameInput>;

/** A new session, from a form or JSON (lists may arrive as one value or many). */
export const newSessionInput = z.object({
  title: z.string().trim().min(1).max(200),
  districtId: z.coerce.number().int().positive(),
  sessionDate: day,
  mode: z.enum(['officers', 'pool']),
  callerIds: list(z.coerce.number().int().positive()),
  perCaller: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(100).default(5),
  ),
  total: optionalInt,
  ...frameInput.shape,
  designKind: z.enum(['simple', 'proportional', 'equal']).default('proportional'),
  minimumPerStratum: optionalInt,
});
export type NewSessionInput = z.infer<typeof newSessionInput>;

/** The stored filter of a frame; a reversed date range is refused here, before anything is counted. */
export function frameFilterOf(districtId: number, input: FrameInput): FrameFilter {
  if (input.disposedFrom > input.disposedTo) throw badRequest('sessions.error.dateRangeReversed');
  return {
    districtId,
    disposedFrom: input.disposedFrom,
    disposedTo: input.disposedTo,
    departments: input.departments,
    sources: input.sources,
    tehsils: input.tehsils,
    thanas: input.thanas,
    excludeVerifiedDays: input.excludeVerifiedDays,
  };
}

/**
 * An empty frame's refusal, saying what to change: if nothing at all was disposed in the district in those dates,
 * the dates (and when the latest disposal was); otherwise the other filters.
 */
async function refuseEmptyFrame(db: Knex, filter: FrameFilter): Promise<never> {
  if ((await countDisposedInRange(db, filter)) > 0) throw badRequest('sessions.error.frameEmpty');
  const latest = fromDbTime(await latestDisposal(db, filter.districtId));
  const range = { from: filter.disposedFrom, to: filter.disposedTo };
  if (!latest) throw badRequest('sessions.error.nothingDisposedInDistrict', range);
  throw badRequest('sessions.error.nothingDisposedInRange', { ...range, latest: istDay(latest) });
}

/** A district's session weeks and weekdays, from the settings form (checkboxes) or JSON. */
export const scheduleInput = z.object({
  weeks: list(z.coerce.number().int().min(1).max(5)),
  weekdays: list(z.coerce.number().int().min(1).max(7)),
});
export type ScheduleInput = z.infer<typeof scheduleInput>;

export interface FramePreview {
  frameSize: number;
  sampleSize: number;
  perDepartment: Array<{
    code: string;
    name: string;
    frameSize: number;
    sampleSize: number;
    marginOfError: number | null;
  }>;
  margins: PlanMargins | null;
  plan: SamplePlan | null;
  /** The message key + params of the reason the design cannot be drawn on this frame, if any. */
  problem: { key: string; params: Record<string, string | number> } | null;
}

export class SessionsService {
  constructor(private readonly deps: AppDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  /** Department names for messages; inside a transaction pass it (on SQLite it is the only connection). */
  async stratumNamer(db: Knex = this.db): Promise<(code: string) => string> {
    const names = await departmentNames(db);
    return (code) => {
      const n = names.get(code);
      return n ? `${n.hi} / ${n.en}` : code;
    };
  }

  /**
   * Creates a planned session after checking it can be drawn: the frame is not empty, the design fits it, the
   * callers exist and none is responsible for every department in the frame. Nothing is written otherwise.
   */
  async createSession(user: SignedInUser, input: NewSessionInput): Promise<number> {
    if (!canSeeDistrict(user, input.districtId)) throw forbidden();
    const filter = frameFilterOf(input.districtId, input);
    const callerIds = [...new Set(input.callerIds)];
    if (input.mode === 'officers' && callerIds.length === 0) throw badRequest('sessions.error.noCallers');
    if (input.mode === 'pool' && !input.total) throw badRequest('sessions.error.poolTotalMissing');
    const design: SessionRecord['design'] =
      input.designKind === 'simple'
        ? { kind: 'simple' }
        : {
            kind: 'stratified',
            allocation: input.designKind,
            ...(input.minimumPerStratum ? { minimumPerStratum: input.minimumPerStratum } : {}),
          };
    const record = {
      title: input.title,
      districtId: input.districtId,
      sessionDate: input.sessionDate,
      mode: input.mode,
      perCaller: input.mode === 'officers' ? input.perCaller : null,
      total: input.mode === 'pool' ? input.total! : null,
      filter,
      design,
      createdBy: user.id,
    };
    return this.db.transaction(async (trx) => {
      const callers = await findEligibleCallers(trx, input.districtId, callerIds);
      if (callers.length !== callerIds.length) {
        const known = new Set(callers.map((c) => c.id));
        throw badRequest('sessions.error.callerUnknown', {
          ids: callerIds.filter((id) => !known.has(id)).join(', '),
        });
      }
      await this.checkPlan(trx, { ...record, id: 0, status: 'planned', createdAt: '' }, callers);
      const id = await insertSession(trx, record, callerIds, nowDb(this.deps.clock));
      await this.deps.audit.record(trx, {
        userId: user.id,
        action: 'session.created',
        entity: 'feedback_session',
        entityId: id,
        after: { ...record, callerIds },
      });
      return id;
    });
  }

  /**
   * Changes the frame's filters of a session that has not been drawn yet, checked as at creation. After the first
   * draw the frame stays as it is: each draw's certificate entry is only comparable with the others if they
   * share one frame definition, and a filter changed after seeing a sample could steer the next one.
   */
  async changeFrame(user: SignedInUser, sessionId: number, input: FrameInput): Promise<void> {
    await this.db.transaction(async (trx) => {
      // The same lock as a draw's: a draw and a frame change never interleave.
      await lockForUpdate(trx, trx('feedback_sessions').where({ id: sessionId }).first('id'));
      const session = await findSession(trx, sessionId);
      if (!session || !canSeeDistrict(user, session.districtId)) throw notFound();
      const draws = await countDraws(trx, sessionId);
      if (draws > 0) throw conflict('sessions.error.frameLockedAfterDraw', { draws });
      const filter = frameFilterOf(session.districtId, input);
      const callers = await listSessionCallers(trx, sessionId);
      await this.checkPlan(trx, { ...session, filter }, callers);
      await updateSessionFrame(trx, sessionId, filter, nowDb(this.deps.clock));
      await this.deps.audit.record(trx, {
        userId: user.id,
        action: 'session.frameChanged',
        entity: 'feedback_session',
        entityId: sessionId,
        before: { filter: session.filter },
        after: { filter },
      });
    });
  }

  /** Throws the message of the first reason the session could not be drawn with these callers; writes nothing. */
  private async checkPlan(trx: Knex, session: SessionRecord, callers: SessionCaller[]): Promise<void> {
    const sizes = await countFrameByDepartment(trx, session.filter, this.deps.clock);
    if (sizes.size === 0) await refuseEmptyFrame(trx, session.filter);
    planSample(sessionSampleDesign(session, callers.length), sizes, {
      stratumName: await this.stratumNamer(trx),
    });
    if (session.mode === 'officers') {
      const stuck = callersOnlyConflicted(callers, [...sizes.keys()]);
      if (stuck.length > 0) {
        throw badRequest('sessions.error.callersOnlyConflictedFrame', {
          callers: stuck.map((c) => c.displayName).join(', '),
        });
      }
    }
  }

  /** A session the user may see, or 404 (never telling whether it exists in another district). */
  async sessionFor(user: SignedInUser, id: number): Promise<SessionRecord> {
    const session = await findSession(this.db, id);
    if (!session || !canSeeDistrict(user, session.districtId)) throw notFound();
    return session;
  }

  /** Frame size per department and the margins of error the design gives, computed before any draw. */
  async preview(session: SessionRecord): Promise<FramePreview> {
    const [sizes, callers, stratumName] = await Promise.all([
      countFrameByDepartment(this.db, session.filter, this.deps.clock),
      listSessionCallers(this.db, session.id),
      this.stratumNamer(),
    ]);
    const design = sessionSampleDesign(session, callers.length);
    const frameSize = [...sizes.values()].reduce((a, b) => a + b, 0);
    let plan: SamplePlan | null = null;
    let margins: PlanMargins | null = null;
    let problem: FramePreview['problem'] = null;
    try {
      plan = planSample(design, sizes, { stratumName });
      margins = planMargins(plan, sizes);
    } catch (err) {
      const e = err as { key?: string; params?: Record<string, string | number> };
      if (!e.key) throw err;
      problem = { key: e.key, params: e.params ?? {} };
    }
    const perDepartment = (
      margins?.perStratum ??
      [...sizes].map(([stratum, n]) => ({ stratum, frameSize: n, sampleSize: 0, marginOfError: null }))
    ).map((s) => ({
      code: s.stratum,
      name: stratumName(s.stratum),
      frameSize: s.frameSize,
      sampleSize: s.sampleSize,
      marginOfError: s.marginOfError,
    }));
    return { frameSize, sampleSize: design.sampleSize, perDepartment, margins, plan, problem };
  }

  async certificate(session: SessionRecord): Promise<Array<DrawRecord & { selections: SelectionRecord[] }>> {
    const draws = await listDraws(this.db, session.id);
    return Promise.all(draws.map(async (d) => ({ ...d, selections: await listSelections(this.db, d.id) })));
  }

  /** A district's schedule settings, for a user who may plan its sessions (404 otherwise). */
  async districtSchedule(user: SignedInUser, districtId: number) {
    const district = await findDistrictSettings(this.db, districtId);
    if (!district || !canSeeDistrict(user, districtId)) throw notFound();
    return {
      districtId,
      districtName: `${district.nameHi} / ${district.nameEn}`,
      settings: scheduleSettings(district.settings),
    };
  }

  /**
   * Sets the weeks of the month and the weekdays a district holds sessions on, keeping its other settings (calling
   * hours) as they are; audited with the values before and after.
   */
  async changeSchedule(
    user: SignedInUser,
    districtId: number,
    input: ScheduleInput,
  ): Promise<ScheduleSettings> {
    const weeks = [...new Set(input.weeks)].sort((a, b) => a - b);
    const weekdays = [...new Set(input.weekdays)].sort((a, b) => a - b);
    if (weeks.length === 0) throw badRequest('sessions.error.scheduleNoWeeks');
    if (weekdays.length === 0) throw badRequest('sessions.error.scheduleNoWeekdays');
    return this.db.transaction(async (trx) => {
      // Locked: the calling hours live in the same JSON, and a change of those must not be lost to this one.
      await lockForUpdate(trx, trx('districts').where({ id: districtId }).first('id'));
      const district = await findDistrictSettings(trx, districtId);
      if (!district || !canSeeDistrict(user, districtId)) throw notFound();
      let settings: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(district.settings || '{}');
        settings = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { ...parsed } : {};
      } catch {
        settings = {}; // unreadable settings were already ignored everywhere (see scheduleSettings)
      }
      const before = scheduleSettings(district.settings);
      const after: ScheduleSettings = { weeks, weekdays };
      settings.sessions = after;
      await updateDistrictSettings(trx, districtId, JSON.stringify(settings), nowDb(this.deps.clock));
      await this.deps.audit.record(trx, {
        userId: user.id,
        action: 'district.scheduleChanged',
        entity: 'district',
        entityId: districtId,
        before,
        after,
      });
      return after;
    });
  }

  /** Proposed session dates for the coming months: see proposeSessionDates. */
  async schedule(user: SignedInUser, months = 3) {
    const districts = (await (user.districtIds === 'all'
      ? this.db('districts').orderBy('name_en').limit(100)
      : this.db('districts').whereIn('id', user.districtIds).orderBy('name_en'))) as Array<{
      id: number;
      name_en: string;
      name_hi: string;
      settings: string;
    }>;
    const today = this.deps.clock.now().setZone(IST).startOf('day');
    const until = today.plus({ months }).endOf('month');
    const holidays = (await this.db('district_holidays')
      .whereIn(
        'district_id',
        districts.map((d) => d.id),
      )
      .where('day', '>=', today.toISODate()!)
      .where('day', '<=', until.toISODate()!)
      .select('district_id', 'day')) as Array<{ district_id: number; day: string | Date }>;
    const planned = (await this.db('feedback_sessions')
      .whereIn(
        'district_id',
        districts.map((d) => d.id),
      )
      .where('session_date', '>=', today.toISODate()!)
      .select('district_id', 'session_date')) as Array<{ district_id: number; session_date: string | Date }>;
    const asDay = (v: string | Date) =>
      v instanceof Date ? DateTime.fromJSDate(v).toISODate()! : String(v).slice(0, 10);
    return districts.map((d) => {
      const settings = scheduleSettings(d.settings);
      const off = new Set(holidays.filter((h) => h.district_id === d.id).map((h) => asDay(h.day)));
      const taken = planned.filter((p) => p.district_id === d.id).map((p) => asDay(p.session_date));
      return {
        districtId: d.id,
        districtName: `${d.name_hi} / ${d.name_en}`,
        weeks: settings.weeks,
        weekdays: settings.weekdays,
        proposals: proposeSessionDates(today, until, settings, off).map((day) => ({
          day,
          week: Math.ceil(Number(day.slice(8, 10)) / 7),
          alreadyPlanned: taken.some((t) => sameWeek(t, day)),
        })),
      };
    });
  }
}

export interface ScheduleSettings {
  /** Weeks of the month that hold a session (1 = days 1–7, 3 = days 15–21). */
  weeks: number[];
  /** ISO weekdays the office holds sessions on (1 Monday … 7 Sunday). */
  weekdays: number[];
}

/** districts.settings.sessions, e.g. {"sessions": {"weeks": [1, 3], "weekdays": [1,2,3,4,5]}}. */
export function scheduleSettings(json: string | null | undefined): ScheduleSettings {
  const fallback: ScheduleSettings = { weeks: [1, 3], weekdays: [1, 2, 3, 4, 5] };
  try {
    const parsed = JSON.parse(json || '{}') as { sessions?: Partial<ScheduleSettings> };
    const weeks = parsed.sessions?.weeks?.filter((w) => Number.isInteger(w) && w >= 1 && w <= 5);
    const weekdays = parsed.sessions?.weekdays?.filter((w) => Number.isInteger(w) && w >= 1 && w <= 7);
    return {
      weeks: weeks?.length ? weeks : fallback.weeks,
      weekdays: weekdays?.length ? weekdays : fallback.weekdays,
    };
  } catch {
    return fallback;
  }
}

/**
 * For each configured week of each month from `from` to `until` (Asia/Kolkata days), the first working day of
 * that week: one of the configured weekdays and not a district holiday. The DM's order speaks of the first and
 * third week; "week n" is read as days 7n−6 to 7n of the month.
 */
export function proposeSessionDates(
  from: DateTime,
  until: DateTime,
  settings: ScheduleSettings,
  holidays: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (let month = from.setZone(IST).startOf('month'); month <= until; month = month.plus({ months: 1 })) {
    for (const week of [...settings.weeks].sort((a, b) => a - b)) {
      for (let d = 7 * week - 6; d <= Math.min(7 * week, month.daysInMonth!); d++) {
        const date = month.set({ day: d });
        if (date < from.startOf('day')) continue;
        if (!settings.weekdays.includes(date.weekday) || holidays.has(date.toISODate()!)) continue;
        out.push(date.toISODate()!);
        break;
      }
    }
  }
  return out;
}

function sameWeek(a: string, b: string): boolean {
  return (
    a.slice(0, 7) === b.slice(0, 7) &&
    Math.ceil(Number(a.slice(8, 10)) / 7) === Math.ceil(Number(b.slice(8, 10)) / 7)
  );
}
