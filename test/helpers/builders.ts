// Builders for test data: aUser({role}), aComplaint({department: 'revenue'}), each with sensible defaults.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { AuditLog } from '../../server/features/audit/audit-log.js';
import { AuthService } from '../../server/features/auth/auth.service.js';
import { nowDb, systemClock, toDbTime } from '../../server/shared/dates.js';
import type { Role } from '../../server/shared/http.js';

/**
 * When a test task falls due unless the test says otherwise: long before any test's fixed clock, so a task is
 * due whatever the date the suite runs on (a default of "a day before the real now" broke every fixed-clock
 * test once the real date passed the clocks).
 */
export const TASK_DUE_LONG_AGO = '2026-01-01 00:00:00.000';

let counter = 0;
const next = () => ++counter;

export async function districtId(db: Knex, code = 'kanpur-nagar'): Promise<number> {
  const row = (await db('districts').where({ code }).first('id')) as { id: number } | undefined;
  if (!row) throw new Error(`no district ${code}`);
  return row.id;
}

export async function departmentId(db: Knex, code = 'revenue'): Promise<number> {
  const row = (await db('departments').where({ code }).first('id')) as { id: number } | undefined;
  if (!row) throw new Error(`no department ${code}`);
  return row.id;
}

export interface UserSpec {
  role?: Role;
  username?: string;
  password?: string;
  districts?: string[] | 'all';
  department?: string | null;
  displayName?: string;
  phone?: string | null;
}

/** Creates a user; the password is `pw-<username>` unless given. */
export async function aUser(
  db: Knex,
  spec: UserSpec = {},
): Promise<{ id: number; username: string; password: string }> {
  const username = spec.username ?? `${spec.role ?? 'caller'}${next()}`;
  const password = spec.password ?? `pw-${username}`;
  const districts = spec.districts ?? ['kanpur-nagar'];
  const districtIds =
    districts === 'all' ? ('all' as const) : await Promise.all(districts.map((c) => districtId(db, c)));
  const auth = new AuthService(db, new AuditLog(), systemClock);
  const id = await auth.createUser(null, {
    username,
    displayName: spec.displayName ?? `Test ${username}`,
    password,
    role: spec.role ?? 'caller',
    districtIds,
    departmentId: spec.department ? await departmentId(db, spec.department) : null,
    phone: spec.phone ?? null,
  });
  return { id, username, password };
}

export interface ComplaintSpec {
  referenceNo?: string;
  district?: string;
  department?: string;
  status?: string;
  disposedAt?: DateTime | null;
  mobile?: string | null;
  complainantName?: string;
  complaintText?: string;
  disposalReport?: string;
  source?: string;
  tehsil?: string;
  thana?: string;
  officerId?: number | null;
}

export async function aComplaint(
  db: Knex,
  spec: ComplaintSpec = {},
): Promise<{ id: number; referenceNo: string }> {
  const n = next();
  const referenceNo = spec.referenceNo ?? `40012611${String(n).padStart(7, '0')}`;
  const disposed = spec.disposedAt === undefined ? DateTime.utc().minus({ days: 10 }) : spec.disposedAt;
  const now = nowDb();
  const [id] = await db('complaints').insert({
    reference_no: referenceNo,
    source: spec.source ?? 'IGRS Portal',
    received_at: toDbTime(DateTime.utc().minus({ days: 40 })),
    due_at: toDbTime(DateTime.utc().minus({ days: 10 })),
    disposed_at: disposed ? toDbTime(disposed) : null,
    complainant_name: spec.complainantName ?? 'राम प्रसाद',
    mobile: spec.mobile === undefined ? `+9170000${String(n).padStart(5, '0')}` : spec.mobile,
    address: 'ग्राम बिधनू, कानपुर नगर',
    district_id: await districtId(db, spec.district ?? 'kanpur-nagar'),
    tehsil: spec.tehsil ?? 'सदर',
    block: 'बिधनू',
    thana: spec.thana ?? 'कल्याणपुर',
    department_id: await departmentId(db, spec.department ?? 'revenue'),
    officer_id: spec.officerId ?? null,
    subject: 'भूमि पर अवैध कब्जा',
    complaint_text: spec.complaintText ?? 'प्रार्थी की भूमि पर कब्जा कर लिया गया है।',
    disposal_report: spec.disposalReport ?? 'प्रकरण का निस्तारण कर दिया गया है।',
    status: spec.status ?? 'disposed',
    redisposed: false,
    created_at: now,
    updated_at: now,
  });
  return { id: id as number, referenceNo };
}
