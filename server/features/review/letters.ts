// The consolidated explanation letter to one officer for one session, and the re-opening list for IGRS.
import type { Knex } from 'knex';
import { stringify } from 'csv-stringify/sync';
import { formatIst } from '../../shared/dates.js';
import type { Lang } from '../../shared/i18n.js';
import { t } from '../../shared/i18n.js';
import { COLUMNS, type ColumnKey } from '../complaints/import/columns.js';
import type { SignedInUser } from '../auth/users.repository.js';
import { whereInScope } from '../auth/users.repository.js';

interface Finding {
  code: string;
  text?: string;
}

/** The finding on a rejected report in words: the reasons picked, then the reviewer's note. */
export function findingText(lang: Lang, reasonCodes: string | null, note: string | null): string {
  let codes: Finding[] = [];
  try {
    codes = JSON.parse(reasonCodes ?? '[]') as Finding[];
  } catch {
    codes = [];
  }
  const reasons = codes.map((c) =>
    c.code === 'other' ? (c.text ?? '') : t(lang, `review.reason.${c.code}`),
  );
  return [reasons.join('; '), note ?? ''].filter((s) => s.trim() !== '').join('. ');
}

export interface Letter {
  lang: Lang;
  letterNo: string;
  issuedOn: string;
  deadline: string;
  districtName: string;
  officer: { name: string; designation: string; department: string };
  session: { title: string; date: string };
  items: Array<{ n: number; referenceNo: string; subject: string; finding: string; demandStatus: string }>;
}

/** One letter per officer per session: all their rejected references, the finding for each, and the deadline. */
export async function buildLetter(
  db: Knex,
  sessionId: number,
  officerId: number,
  lang: Lang,
): Promise<Letter | null> {
  const rows = (await db('explanation_demands as e')
    .join('report_flags as f', 'f.id', 'e.flag_id')
    .join('complaints as c', 'c.id', 'e.complaint_id')
    .join('feedback_sessions as s', 's.id', 'e.session_id')
    .join('districts as di', 'di.id', 's.district_id')
    .join('officers as o', 'o.id', 'e.officer_id')
    .join('departments as d', 'd.id', 'o.department_id')
    .where({ 'e.session_id': sessionId, 'e.officer_id': officerId })
    .orderBy('c.reference_no')
    .select(
      'e.status',
      'e.deadline_at as deadlineAt',
      'e.created_at as demandedAt',
      'f.reason_codes as reasonCodes',
      'f.note',
      'c.reference_no as referenceNo',
      'c.subject',
      's.title as sessionTitle',
      's.session_date as sessionDate',
      'di.name_hi as districtHi',
      'di.name_en as districtEn',
      'o.name as officerName',
      'o.designation',
      'd.name_hi as departmentHi',
      'd.name_en as departmentEn',
    )) as Array<Record<string, string>>;
  if (rows.length === 0) return null;
  const first = rows[0]!;
  const latest = (k: string) =>
    rows
      .map((r) => String(r[k]))
      .sort()
      .at(-1)!;
  return {
    lang,
    // The office's own file number goes by hand beside this one; ours makes the letter traceable to the session.
    letterNo: `IGRS/${sessionId}/${officerId}`,
    issuedOn: formatIst(latest('demandedAt'), lang, 'date'),
    // Deadlines end at midnight IST, so the day alone reads right ("by 25 November").
    deadline: formatIst(latest('deadlineAt'), lang, 'date'),
    districtName: lang === 'en' ? first.districtEn! : first.districtHi!,
    officer: {
      name: first.officerName!,
      designation: first.designation!,
      department: lang === 'en' ? first.departmentEn! : first.departmentHi!,
    },
    session: {
      title: first.sessionTitle!,
      date: formatIst(`${String(first.sessionDate).slice(0, 10)} 06:30:00.000`, lang, 'date'),
    },
    items: rows.map((r, i) => ({
      n: i + 1,
      referenceNo: r.referenceNo!,
      subject: r.subject ?? '',
      finding: findingText(lang, r.reasonCodes ?? null, r.note ?? null),
      demandStatus: r.status!,
    })),
  };
}

const label = (lang: Lang, key: ColumnKey) => {
  const c = COLUMNS.find((col) => col.key === key)!;
  return lang === 'en' ? c.labelEn : c.labelHi;
};

/**
 * The references whose reports were rejected, to be re-opened on the IGRS portal. Headers use the portal's own
 * column names (the import's canonical labels), so the IGRS cell can match them against the portal's lists.
 */
export async function reopeningCsv(
  db: Knex,
  user: SignedInUser,
  sessionId: number | null,
  lang: Lang = 'hi',
): Promise<{ text: string; rows: number }> {
  const q = db('report_flags as f')
    .join('complaints as c', 'c.id', 'f.complaint_id')
    .join('feedback_sessions as s', 's.id', 'f.session_id')
    .join('departments as d', 'd.id', 'c.department_id')
    .leftJoin('officers as o', 'o.id', 'c.officer_id')
    .where('f.status', 'rejected')
    .orderBy('f.decided_at')
    .select(
      'c.reference_no as referenceNo',
      'c.disposed_at as disposedAt',
      'd.name_hi as departmentHi',
      'd.name_en as departmentEn',
      'o.name as officerName',
      'o.designation as officerDesignation',
      'f.reason_codes as reasonCodes',
      'f.note',
      'f.decided_at as decidedAt',
      's.title as sessionTitle',
    );
  if (sessionId) q.where('f.session_id', sessionId);
  const rows = (await whereInScope(q, user, 's.district_id')) as Array<Record<string, string | null>>;
  const header = [
    label(lang, 'reference_no'),
    label(lang, 'department'),
    label(lang, 'officer_name'),
    label(lang, 'officer_designation'),
    label(lang, 'disposed_at'),
    t(lang, 'review.reopening.rejectedOn'),
    t(lang, 'review.reopening.finding'),
    t(lang, 'review.reopening.session'),
    t(lang, 'review.reopening.action'),
  ];
  const body = rows.map((r) => [
    r.referenceNo,
    lang === 'en' ? r.departmentEn : r.departmentHi,
    r.officerName ?? '',
    r.officerDesignation ?? '',
    formatIst(r.disposedAt, lang, 'date'),
    formatIst(r.decidedAt, lang, 'date'),
    findingText(lang, r.reasonCodes ?? null, r.note ?? null),
    r.sessionTitle,
    t(lang, 'review.reopening.reopen'),
  ]);
  // A byte-order mark so Excel, which the IGRS cell opens these in, reads the Hindi as UTF-8.
  return { text: '\ufeff' + stringify([header, ...body]), rows: rows.length };
}
