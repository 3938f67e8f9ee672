// Planning feedback sessions: creating one (checked against its frame before anything is written), previewing the
// frame and margins, proposing dates, and gathering everything the sample certificate shows.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { badRequest, forbidden, notFound } from '../../shared/errors.js';
import { IST, nowDb } from '../../shared/dates.js';
import { canSeeDistrict, type SignedInUser } from '../auth/users.repository.js';
import { callersOnlyConflicted } from './allocation.service.js';
import { sessionSampleDesign } from './draw.service.js';
import {
  countFrameByDepartment,
  DEFAULT_EXCLUDE_VERIFIED_DAYS,
  type FrameFilter,
} from './frame.repository.js';
import { planSample, type SamplePlan } from './sampling/designs.js';
import { planMargins, type PlanMargins } from './sampling/margin-of-error.js';
import {
  departmentNames,
  findEligibleCallers,
  findSession,
  insertSession,
  listDraws,
  listSelections,
  listSessionCallers,
  type DrawRecord,
  type SelectionRecord,
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
  disposedFrom: day,
  disposedTo: day,
  departments: list(z.string().trim().min(1).max(40)),
  sources: list(z.string().trim().min(1).max(60)),
  tehsils: list(z.string().trim().min(1).max(100)),
  thanas: list(z.string().trim().min(1).max(100)),
  excludeVerifiedDays: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(0).max(3650).default(DEFAULT_EXCLUDE_VERIFIED_DAYS),
  ),
  designKind: z.enum(['simple', 'proportional', 'equal']).default('proportional'),
  minimumPerStratum: optionalInt,
});
export type NewSessionInput = z.infer<typeof newSessionInput>;

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

  async stratumNamer(): Promise<(code: string) => string> {
    const names = await departmentNames(this.db);
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
    if (input.disposedFrom > input.disposedTo) throw badRequest('sessions.error.dateRangeReversed');
    const filter: FrameFilter = {
      districtId: input.districtId,
      disposedFrom: input.disposedFrom,
      disposedTo: input.disposedTo,
      departments: input.departments,
      sources: input.sources,
      tehsils: input.tehsils,
      thanas: input.thanas,
      excludeVerifiedDays: input.excludeVerifiedDays,
    };
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
    const stratumName = await this.stratumNamer();
    return this.db.transaction(async (trx) => {
      const callers = await findEligibleCallers(trx, input.districtId, callerIds);
      if (callers.length !== callerIds.length) {
        const known = new Set(callers.map((c) => c.id));
        throw badRequest('sessions.error.callerUnknown', {
          ids: callerIds.filter((id) => !known.has(id)).join(', '),
        });
      }
      const sizes = await countFrameByDepartment(trx, filter, this.deps.clock);
      const sampleDesign = sessionSampleDesign(
        { ...record, id: 0, status: 'planned', createdAt: '' },
        callers.length,
      );
      planSample(sampleDesign, sizes, { stratumName });
      if (input.mode === 'officers') {
        const stuck = callersOnlyConflicted(callers, [...sizes.keys()]);
        if (stuck.length > 0) {
          throw badRequest('sessions.error.callersOnlyConflicted', {
            callers: stuck.map((c) => c.displayName).join(', '),
          });
        }
      }
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
