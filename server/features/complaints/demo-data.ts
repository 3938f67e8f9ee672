// The demo data set: deterministic for a seed, realistic enough to browse, and able to reach 1,000,000 complaints.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { type Clock, IST, systemClock, toDbTime, nowDb } from '../../shared/dates.js';
import { seededRandom, type Random } from '../../shared/random.js';
import { AuditLog } from '../audit/audit-log.js';
import { AuthService } from '../auth/auth.service.js';
import type { DemoAccount } from '../auth/auth.routes.js';
import { putSetting } from '../../shared/settings.js';
import type { Role } from '../../shared/http.js';
import { DEPARTMENTS, DISTRICTS } from './master-data.js';
import { ensureMasterData } from './master-data.repository.js';
import * as V from './demo-vocabulary.js';

export interface DemoOptions {
  complaints: number;
  seed: string;
  /** The day the data ends on (Asia/Kolkata); defaults to today, so the demo always looks recent. */
  anchor?: DateTime;
  /** Called every batch with the number of complaints written so far. */
  onProgress?: (written: number) => void;
  clock?: Clock;
}

/** Demo mobiles come from one fictitious block, +91 70000 00000 to +91 70000 99999 and up: never a real person. */
export const DEMO_MOBILE_BASE = 7_000_000_000;

const HEAVY_DISTRICTS: Record<string, number> = {
  'kanpur-nagar': 30,
  lucknow: 8,
  prayagraj: 5,
  varanasi: 5,
  agra: 4,
};
const DEPT_WEIGHTS: Record<string, number> = {
  revenue: 20,
  police: 20,
  'municipal-corporation': 12,
  electricity: 10,
  'food-civil-supplies': 5,
  'rural-development': 5,
  'basic-education': 4,
  'medical-health': 4,
};
const STATUSES = ['disposed', 'pending', 'defaulter', 'special_closed', 'reopened'] as const;
const STATUS_WEIGHTS = [82, 8, 5, 3, 2];
const REF_PREFIX: Record<string, string> = { 'CM Helpline 1076': '9232', 'PG Portal (CPGRAMS)': '6000' };

function fill(template: string, rng: Random, date: string): string {
  return template
    .replace('{n}', String(rng.int(2, 900)))
    .replace('{date}', date)
    .replace('{action}', rng.pick(V.ACTIONS));
}

export async function seedDemo(
  db: Knex,
  opts: DemoOptions,
): Promise<{ accounts: DemoAccount[]; complaints: number }> {
  const clock = opts.clock ?? systemClock;
  const rng = seededRandom(opts.seed);
  const anchor = (opts.anchor ?? clock.now().setZone(IST)).setZone(IST).endOf('day');
  await ensureMasterData(db);
  const districts = (await db('districts').select('id', 'code')) as Array<{ id: number; code: string }>;
  const departments = (await db('departments').select('id', 'code')) as Array<{ id: number; code: string }>;
  const districtId = new Map(districts.map((d) => [d.code, d.id]));
  const departmentId = new Map(departments.map((d) => [d.code, d.id]));

  // One responsible officer for each department in each district.
  const now = nowDb(clock);
  const officerRows = [];
  for (const dist of DISTRICTS) {
    for (const dept of DEPARTMENTS) {
      const designations = V.DESIGNATIONS[dept.code] ?? V.DESIGNATIONS.default!;
      officerRows.push({
        name: V.personName(rng),
        designation: `${designations[0]}, ${dept.nameHi}`,
        department_id: departmentId.get(dept.code)!,
        district_id: districtId.get(dist.code)!,
        phone: null,
        email: `${dept.code}.${dist.code}@demo.invalid`,
        created_at: now,
        updated_at: now,
      });
    }
  }
  for (let i = 0; i < officerRows.length; i += 400) {
    await db('officers')
      .insert(officerRows.slice(i, i + 400))
      .onConflict(['district_id', 'department_id', 'name', 'designation'])
      .ignore();
  }
  const officers = (await db('officers').select('id', 'district_id', 'department_id')) as Array<{
    id: number;
    district_id: number;
    department_id: number;
  }>;
  const officerOf = new Map(officers.map((o) => [`${o.district_id}:${o.department_id}`, o.id]));

  const districtCodes = DISTRICTS.map((d) => d.code);
  const districtWeights = districtCodes.map((c) => HEAVY_DISTRICTS[c] ?? 0.6);
  const deptCodes = DEPARTMENTS.map((d) => d.code);
  const deptWeights = deptCodes.map((c) => DEPT_WEIGHTS[c] ?? 1);

  const existing = Number(((await db('complaints').count({ n: '*' }).first()) as { n: number }).n);
  const batchSize = 500;
  let batch: Record<string, unknown>[] = [];
  for (let i = existing; i < existing + opts.complaints; i++) {
    const distCode = V.weightedPick(rng, districtCodes, districtWeights);
    const deptCode = V.weightedPick(rng, deptCodes, deptWeights);
    const source = V.weightedPick(rng, V.SOURCES, V.SOURCE_WEIGHTS);
    const status = V.weightedPick(rng, STATUSES, STATUS_WEIGHTS);
    const received = anchor.minus({ days: rng.int(5, 150), minutes: rng.int(0, 600) });
    const due = received.plus({ days: 30 });
    let disposed: DateTime | null = null;
    if (status === 'disposed' || status === 'special_closed' || status === 'reopened') {
      disposed = DateTime.min(received.plus({ days: rng.int(2, 40), minutes: rng.int(0, 500) }), anchor);
    }
    const vocab = V.COMPLAINTS[deptCode] ?? V.COMPLAINTS.default!;
    const subject = rng.pick(vocab.subjects);
    const text = [
      rng.pick(V.COMPLAINT_OPENINGS),
      fill(rng.pick(vocab.details), rng, ''),
      fill(rng.pick(vocab.details), rng, ''),
      rng.pick(V.COMPLAINT_CLOSINGS),
    ].join(' ');
    const reportDate = (disposed ?? received).setZone(IST).toFormat('dd.MM.yyyy');
    const report = disposed
      ? rng.chance(0.55)
        ? fill(rng.pick(V.REPORTS_THOROUGH), rng, reportDate)
        : rng.pick(V.REPORTS_PERFUNCTORY)
      : null;
    const distId = districtId.get(distCode)!;
    const deptId = departmentId.get(deptCode)!;
    const prefix = REF_PREFIX[source] ?? '4001';
    batch.push({
      reference_no: `${prefix}${received.toFormat('yyMM')}${String(i + 1).padStart(7, '0')}`,
      source,
      received_at: toDbTime(received),
      due_at: toDbTime(due),
      disposed_at: disposed ? toDbTime(disposed) : null,
      complainant_name: V.personName(rng),
      mobile: rng.chance(0.985) ? `+91${DEMO_MOBILE_BASE + (i % 10_000_000)}` : null,
      address: `${rng.pick(V.LOCALITIES)}, ${distCode === 'kanpur-nagar' ? 'कानपुर नगर' : DISTRICTS.find((d) => d.code === distCode)!.nameHi}`,
      district_id: distId,
      tehsil: rng.pick(V.TEHSILS),
      block: rng.pick(V.BLOCKS),
      thana: rng.pick(V.THANAS),
      department_id: deptId,
      officer_id: officerOf.get(`${distId}:${deptId}`) ?? null,
      subject,
      complaint_text: text,
      disposal_report: report,
      status,
      redisposed: false,
      extra: null,
      content_hash: null,
      import_batch_id: null,
      last_verified_at: null,
      created_at: now,
      updated_at: now,
    });
    if (batch.length === batchSize) {
      await db('complaints').insert(batch);
      batch = [];
      opts.onProgress?.(i + 1 - existing);
    }
  }
  if (batch.length) await db('complaints').insert(batch);
  opts.onProgress?.(opts.complaints);

  const accounts = await seedDemoUsers(db, clock, districtId.get('kanpur-nagar')!, departmentId);
  await putSetting(db, 'demo_accounts', accounts);
  return { accounts, complaints: opts.complaints };
}

interface DemoUserSpec {
  username: string;
  name: string;
  designation: string;
  role: Role;
  scope: 'all' | 'kanpur';
  department?: string;
  shown: boolean;
}

/** One account per role (shown on the sign-in page) and the 11 officers of a Kanpur-style session. */
const DEMO_USERS: DemoUserSpec[] = [
  {
    username: 'admin',
    name: 'व्यवस्थापक',
    designation: 'System administrator',
    role: 'admin',
    scope: 'all',
    shown: true,
  },
  {
    username: 'supervisor',
    name: 'आईजीआरएस सेल प्रभारी',
    designation: 'IGRS cell in-charge, Kanpur Nagar',
    role: 'supervisor',
    scope: 'kanpur',
    shown: true,
  },
  {
    username: 'officer',
    name: 'अपर जिलाधिकारी (नगर)',
    designation: 'ADM City',
    role: 'session_officer',
    scope: 'kanpur',
    department: 'municipal-corporation',
    shown: true,
  },
  {
    username: 'caller',
    name: 'कॉल सेंटर ऑपरेटर',
    designation: 'Call-centre operator',
    role: 'caller',
    scope: 'kanpur',
    shown: true,
  },
  {
    username: 'viewer',
    name: 'रिपोर्ट दर्शक',
    designation: 'Reports viewer',
    role: 'viewer',
    scope: 'all',
    shown: true,
  },
  {
    username: 'adm1',
    name: 'अपर जिलाधिकारी (वित्त एवं राजस्व)',
    designation: 'ADM Finance & Revenue',
    role: 'session_officer',
    scope: 'kanpur',
    department: 'revenue',
    shown: false,
  },
  {
    username: 'adm2',
    name: 'अपर जिलाधिकारी (भू-अध्याप्ति)',
    designation: 'ADM Land Acquisition',
    role: 'session_officer',
    scope: 'kanpur',
    department: 'revenue',
    shown: false,
  },
  {
    username: 'adm3',
    name: 'अपर जिलाधिकारी (आपूर्ति)',
    designation: 'ADM Civil Supplies',
    role: 'session_officer',
    scope: 'kanpur',
    department: 'food-civil-supplies',
    shown: false,
  },
  {
    username: 'adm4',
    name: 'अपर जिलाधिकारी (न्यायिक)',
    designation: 'ADM Judicial',
    role: 'session_officer',
    scope: 'kanpur',
    shown: false,
  },
  {
    username: 'adm5',
    name: 'अपर जिलाधिकारी (प्रोटोकॉल)',
    designation: 'ADM Protocol',
    role: 'session_officer',
    scope: 'kanpur',
    shown: false,
  },
  ...[1, 2, 3, 4, 5, 6].map((n) => ({
    username: `acm${n}`,
    name: `अपर नगर मजिस्ट्रेट (${['प्रथम', 'द्वितीय', 'तृतीय', 'चतुर्थ', 'पंचम', 'षष्ठम'][n - 1]})`,
    designation: `ACM ${n}`,
    role: 'session_officer' as Role,
    scope: 'kanpur' as const,
    shown: false,
  })),
  ...[2, 3, 4].map((n) => ({
    username: `caller${n}`,
    name: `कॉल सेंटर ऑपरेटर ${n}`,
    designation: 'Call-centre operator',
    role: 'caller' as Role,
    scope: 'kanpur' as const,
    shown: false,
  })),
];

export const demoPassword = (username: string) => `demo-${username}`;

async function seedDemoUsers(
  db: Knex,
  clock: Clock,
  kanpurId: number,
  departmentId: Map<string, number>,
): Promise<DemoAccount[]> {
  const auth = new AuthService(db, new AuditLog(clock), clock);
  const existing = new Set((await db('users').pluck('username')) as string[]);
  for (const u of DEMO_USERS) {
    if (existing.has(u.username)) continue;
    await auth.createUser(null, {
      username: u.username,
      displayName: u.name,
      designation: u.designation,
      password: demoPassword(u.username),
      role: u.role,
      districtIds: u.scope === 'all' ? 'all' : [kanpurId],
      departmentId: u.department ? departmentId.get(u.department)! : null,
    });
  }
  return DEMO_USERS.filter((u) => u.shown).map((u) => ({
    username: u.username,
    password: demoPassword(u.username),
    role: u.role,
  }));
}
