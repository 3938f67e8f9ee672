// The session report: the press-note figures, department-wise and officer-wise tables, AAPOR rates, and trends.
import type { Knex } from 'knex';
import type { Clock } from '../../shared/dates.js';
import { nowDb } from '../../shared/dates.js';
import { notFound } from '../../shared/errors.js';
import type { SignedInUser } from '../auth/users.repository.js';
import { canSeeDistrict, whereInScope } from '../auth/users.repository.js';
import {
  attemptCodesByCase,
  currentVerdicts,
  demandCounts,
  participants,
  rejectedComplaintIds,
  trendCounts,
  type VerdictRow,
} from './reports.repository.js';
import {
  aaporRates,
  type AaporRates,
  emptyAaporCounts,
  finalGroup,
  type Interval,
  wilsonInterval,
} from './statistics.js';

/** Verdicts that count as "unsatisfied" in the press note: the complainant was not satisfied, or nothing was done. */
const UNSATISFIED = new Set(['unsatisfied', 'not_addressed']);

export interface TableRow {
  key: number;
  name: string;
  nameHi: string;
  nameEn: string;
  calls: number;
  satisfied: number;
  share: number | null;
  interval: Interval | null;
  unsatisfied: number;
  rejected: number;
}

export interface SessionReport {
  session: {
    id: number;
    title: string;
    sessionDate: string;
    districtId: number;
    districtHi: string;
    districtEn: string;
  };
  figures: {
    officers: number;
    complaintsChecked: number;
    departmentsCovered: number;
    satisfied: number;
    partlySatisfied: number;
    unsatisfied: number;
    unsatisfiedDepartments: number;
    reportsRejected: number;
    explanationsDemanded: number;
    explanationsReceived: number;
    explanationsAccepted: number;
    explanationsOverdue: number;
    satisfiedShare: number | null;
    satisfiedInterval: Interval | null;
  };
  departments: TableRow[];
  officers: TableRow[];
  aapor: AaporRates;
}

function tableRows(
  verdicts: VerdictRow[],
  keyOf: (v: VerdictRow) => number,
  names: Map<number, { hi: string; en: string }>,
  rejected: Set<number>,
): TableRow[] {
  const groups = new Map<number, VerdictRow[]>();
  for (const v of verdicts) {
    const k = keyOf(v);
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  return [...groups.entries()]
    .map(([key, rows]) => {
      const satisfied = rows.filter((r) => r.verdict === 'satisfied').length;
      const name = names.get(key) ?? { hi: String(key), en: String(key) };
      return {
        key,
        name: name.en,
        nameHi: name.hi,
        nameEn: name.en,
        calls: rows.length,
        satisfied,
        share: rows.length > 0 ? satisfied / rows.length : null,
        interval: wilsonInterval(satisfied, rows.length),
        unsatisfied: rows.filter((r) => UNSATISFIED.has(r.verdict)).length,
        rejected: rows.filter((r) => rejected.has(Number(r.complaintId))).length,
      };
    })
    .sort((a, b) => b.unsatisfied - a.unsatisfied || b.calls - a.calls || a.nameEn.localeCompare(b.nameEn));
}

export class SessionReportService {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
  ) {}

  async sessionReport(user: SignedInUser, sessionId: number): Promise<SessionReport> {
    const { db } = this;
    const session = (await db('feedback_sessions as s')
      .join('districts as d', 'd.id', 's.district_id')
      .where('s.id', sessionId)
      .first(
        's.id',
        's.title',
        's.session_date as sessionDate',
        's.district_id as districtId',
        'd.name_hi as districtHi',
        'd.name_en as districtEn',
      )) as SessionReport['session'] | undefined;
    if (!session || !canSeeDistrict(user, session.districtId)) throw notFound('reports.error.noSession');
    // Both engines hand dates back as text ('YYYY-MM-DD', MySQL via dateStrings); SQLite may add a time.
    session.sessionDate = String(session.sessionDate).slice(0, 10);

    const verdicts = await currentVerdicts(db, sessionId);
    const rejected = await rejectedComplaintIds(db, sessionId);
    const demands = await demandCounts(db, sessionId, nowDb(this.clock));
    const people = await participants(db, sessionId);
    const departments = (await db('departments').select('id', 'name_hi', 'name_en')) as Array<{
      id: number;
      name_hi: string;
      name_en: string;
    }>;
    const deptNames = new Map(departments.map((d) => [Number(d.id), { hi: d.name_hi, en: d.name_en }]));
    const peopleNames = new Map(people.map((p) => [Number(p.id), { hi: p.name, en: p.name }]));

    const satisfied = verdicts.filter((v) => v.verdict === 'satisfied').length;
    const unsatisfied = verdicts.filter((v) => UNSATISFIED.has(v.verdict));
    const counts = emptyAaporCounts();
    for (const codes of await attemptCodesByCase(db, sessionId)) counts[finalGroup(codes)] += 1;

    return {
      session,
      figures: {
        officers: people.length,
        complaintsChecked: verdicts.length,
        departmentsCovered: new Set(verdicts.map((v) => Number(v.departmentId))).size,
        satisfied,
        partlySatisfied: verdicts.filter((v) => v.verdict === 'partly_satisfied').length,
        unsatisfied: unsatisfied.length,
        unsatisfiedDepartments: new Set(unsatisfied.map((v) => Number(v.departmentId))).size,
        reportsRejected: rejected.size,
        explanationsDemanded: demands.demanded,
        explanationsReceived: demands.received,
        explanationsAccepted: demands.accepted,
        explanationsOverdue: demands.overdue,
        satisfiedShare: verdicts.length > 0 ? satisfied / verdicts.length : null,
        satisfiedInterval: wilsonInterval(satisfied, verdicts.length),
      },
      departments: tableRows(verdicts, (v) => Number(v.departmentId), deptNames, rejected),
      officers: tableRows(verdicts, (v) => Number(v.userId ?? 0), peopleNames, rejected),
      aapor: aaporRates(counts),
    };
  }

  /** Sessions the user may see, newest first (the re-verification queues are not sessions one reports on). */
  async listSessions(user: SignedInUser) {
    return (await whereInScope(
      this.db('feedback_sessions as s')
        .join('districts as d', 'd.id', 's.district_id')
        .where('s.purpose', 'regular')
        .orderBy('s.session_date', 'desc')
        .orderBy('s.id', 'desc')
        .select(
          's.id',
          's.title',
          's.session_date as sessionDate',
          's.status',
          'd.name_hi as districtHi',
          'd.name_en as districtEn',
          's.district_id as districtId',
        ),
      user,
      's.district_id',
    )) as Array<{
      id: number;
      title: string;
      sessionDate: string;
      status: string;
      districtId: number;
      districtHi: string;
      districtEn: string;
    }>;
  }

  /** Satisfied share per department across the district's sessions, oldest first, for the trends chart. */
  async trends(user: SignedInUser, districtId: number) {
    if (!canSeeDistrict(user, districtId)) throw notFound('reports.error.noDistrict');
    const sessions = (await this.db('feedback_sessions')
      .where({ district_id: districtId, purpose: 'regular' })
      .orderBy('session_date')
      .orderBy('id')
      .select('id', 'title', 'session_date as sessionDate')) as Array<{
      id: number;
      title: string;
      sessionDate: string;
    }>;
    const counts = await trendCounts(
      this.db,
      sessions.map((s) => Number(s.id)),
    );
    const departments = (await this.db('departments').select('id', 'name_hi', 'name_en')) as Array<{
      id: number;
      name_hi: string;
      name_en: string;
    }>;
    const series = departments
      .map((d) => ({
        departmentId: Number(d.id),
        nameHi: d.name_hi,
        nameEn: d.name_en,
        points: sessions.map((s) => {
          const c = counts.find((r) => r.sessionId === Number(s.id) && r.departmentId === Number(d.id));
          return c && c.checked > 0
            ? { checked: c.checked, satisfied: c.satisfied, share: c.satisfied / c.checked }
            : null;
        }),
      }))
      .filter((s) => s.points.some((p) => p !== null));
    return {
      sessions: sessions.map((s) => ({
        id: Number(s.id),
        title: s.title,
        sessionDate: String(s.sessionDate).slice(0, 10),
      })),
      series,
    };
  }
}
