// Reading complaints for people: the searchable list within a user's districts, and one complaint with its history.
import type { Knex } from 'knex';
import { whereInScope, type SignedInUser } from '../auth/users.repository.js';

export interface ComplaintFilter {
  q?: string;
  department?: string;
  status?: string;
}

export interface ComplaintListRow {
  id: number;
  reference_no: string;
  complainant_name: string | null;
  mobile: string | null;
  district_name_en: string;
  district_name_hi: string;
  department_name_en: string;
  department_name_hi: string;
  status: string;
  redisposed: boolean | number;
  disposed_at: string | null;
}

// '!' as the LIKE escape: a backslash means different things in MySQL and SQLite string literals.
const escapeLike = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

export async function searchComplaints(
  db: Knex,
  user: SignedInUser,
  filter: ComplaintFilter,
  limit: number,
): Promise<ComplaintListRow[]> {
  const q = db('complaints as c')
    .join('districts as d', 'd.id', 'c.district_id')
    .join('departments as p', 'p.id', 'c.department_id')
    .select(
      'c.id',
      'c.reference_no',
      'c.complainant_name',
      'c.mobile',
      'd.name_en as district_name_en',
      'd.name_hi as district_name_hi',
      'p.name_en as department_name_en',
      'p.name_hi as department_name_hi',
      'c.status',
      'c.redisposed',
      'c.disposed_at',
    )
    .orderBy('c.disposed_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit);
  whereInScope(q, user, 'c.district_id');
  if (filter.q) {
    const text = filter.q;
    q.where((w) =>
      w
        .where('c.reference_no', text)
        .orWhereRaw("c.reference_no like ? escape '!'", [`${escapeLike(text)}%`])
        .orWhereRaw("c.complainant_name like ? escape '!'", [`%${escapeLike(text)}%`]),
    );
  }
  if (filter.department) q.where('p.code', filter.department);
  if (filter.status === 'redisposed') q.where('c.redisposed', true);
  else if (filter.status) q.where('c.status', filter.status);
  return q;
}

export async function findComplaint(db: Knex, user: SignedInUser, id: number) {
  const q = db('complaints as c')
    .join('districts as d', 'd.id', 'c.district_id')
    .join('departments as p', 'p.id', 'c.department_id')
    .leftJoin('officers as o', 'o.id', 'c.officer_id')
    .where('c.id', id)
    .select(
      'c.*',
      'd.name_en as district_name_en',
      'd.name_hi as district_name_hi',
      'p.name_en as department_name_en',
      'p.name_hi as department_name_hi',
      'o.name as officer_name',
      'o.designation as officer_designation',
    )
    .first();
  whereInScope(q, user, 'c.district_id');
  return (await q) as (Record<string, unknown> & { id: number; extra: string | null }) | undefined;
}

export async function reportHistory(db: Knex, complaintId: number) {
  return db('complaint_report_history')
    .where({ complaint_id: complaintId })
    .orderBy('replaced_at', 'desc')
    .orderBy('id', 'desc')
    .select('disposal_report', 'disposed_at', 'replaced_at');
}
