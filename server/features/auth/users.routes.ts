// The admin's user pages: list, create, change role / scope / active, reset a password.
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { asyncHandler, parseInput, ROLES, route, withFormErrors, type RouteDef } from '../../shared/http.js';
import { t } from '../../shared/i18n.js';
import { listDepartments, listDistricts } from '../complaints/master-data.repository.js';
import { checkNewPassword, type AuthService } from './auth.service.js';
import { districtIdsForCodes, findUserById, listUsers, type SignedInUser } from './users.repository.js';

const ADMIN = ['admin'] as const;

// Checkboxes and multi-selects arrive as a string, an array, or nothing at all.
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : null));

const detailsForm = {
  displayName: z.string().trim().min(1).max(150),
  designation: optionalText(150),
  role: z.enum(ROLES),
  allDistricts: z.string().optional(),
  districts: many,
  department: optionalText(40),
  phone: z
    .string()
    .trim()
    .regex(/^(\+\d{10,15})?$/)
    .optional()
    .transform((v) => (v ? v : null)),
};
const createForm = z.object({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9._-]{2,80}$/),
  password: z.string().max(200),
  ...detailsForm,
});
const changeForm = z.object({ ...detailsForm, active: z.string().optional() });
const passwordForm = z.object({ password: z.string().max(200) });
const idParam = z.object({ id: z.coerce.number().int().positive() });

export function usersRoutes(db: Knex, auth: AuthService): RouteDef[] {
  async function scopeFrom(form: { allDistricts?: string; districts: string[] }): Promise<number[] | 'all'> {
    if (form.allDistricts) return 'all';
    const { ids, unknown } = await districtIdsForCodes(db, form.districts);
    if (unknown.length) throw new AppError(400, 'users.error.unknownDistrict', { code: unknown.join(', ') });
    if (!ids.length) throw new AppError(400, 'users.error.noDistrict');
    return ids;
  }

  async function departmentFrom(code: string | null): Promise<number | null> {
    if (!code) return null;
    const row = (await db('departments').where({ code }).first('id')) as { id: number } | undefined;
    if (!row) throw new AppError(400, 'users.error.unknownDepartment', { code });
    return row.id;
  }

  async function renderForm(
    req: Request,
    res: Response,
    view: 'auth/user-new' | 'auth/user-edit',
    extra: { user?: SignedInUser; form?: Record<string, unknown>; error?: AppError; saved?: boolean },
  ) {
    const [districts, departments] = await Promise.all([listDistricts(db), listDepartments(db)]);
    const values = extra.form ?? {};
    const scope = extra.user?.districtIds;
    const chosen = new Set<string>(
      (values.districts as string[] | undefined) ??
        (scope && scope !== 'all' ? districts.filter((d) => scope.includes(d.id)).map((d) => d.code) : []),
    );
    const role = (values.role as string | undefined) ?? extra.user?.role ?? 'caller';
    const departmentId = extra.user?.departmentId;
    res.status(extra.error ? extra.error.status : 200).render(view, {
      title: t(req.lang, view === 'auth/user-new' ? 'users.new.title' : 'users.edit.title'),
      subject: extra.user,
      fields: {
        username: (values.username as string | undefined) ?? extra.user?.username ?? '',
        displayName: (values.displayName as string | undefined) ?? extra.user?.displayName ?? '',
        designation: (values.designation as string | undefined) ?? extra.user?.designation ?? '',
        phone: (values.phone as string | undefined) ?? extra.user?.phone ?? '',
        active: values.role !== undefined ? Boolean(values.active) : (extra.user?.active ?? true),
      },
      error: extra.error ? t(req.lang, extra.error.key, extra.error.params) : null,
      saved: extra.saved,
      allDistricts: values.allDistricts !== undefined ? Boolean(values.allDistricts) : scope === 'all',
      roles: ROLES.map((r) => ({ value: r, label: t(req.lang, `role.${r}`), selected: r === role })),
      districts: districts.map((d) => ({
        code: d.code,
        name: req.lang === 'en' ? d.name_en : d.name_hi,
        selected: chosen.has(d.code),
      })),
      departments: departments.map((d) => ({
        code: d.code,
        name: req.lang === 'en' ? d.name_en : d.name_hi,
        selected: values.department ? values.department === d.code : d.id === departmentId,
      })),
    });
  }

  const loadUser = async (req: Request) => {
    const { id } = parseInput(idParam, req.params);
    const user = await findUserById(db, id);
    if (!user) throw new AppError(404, 'error.notFound');
    return user;
  };

  return [
    route(
      'get',
      '/admin/users',
      ADMIN,
      'page',
      asyncHandler(async (req, res) => {
        const users = await listUsers(db);
        res.render('auth/users', {
          title: t(req.lang, 'users.title'),
          created: req.query.created === '1',
          users: users.map((u) => ({
            ...u,
            roleLabel: t(req.lang, `role.${u.role}`),
            scope: u.districtCodes === 'all' ? t(req.lang, 'users.scope.all') : u.districtCodes.join(', '),
          })),
        });
      }),
    ),
    route(
      'get',
      '/admin/users/new',
      ADMIN,
      'page',
      asyncHandler((req, res) => renderForm(req, res, 'auth/user-new', {})),
    ),
    route(
      'post',
      '/admin/users',
      ADMIN,
      'page',
      asyncHandler(async (req, res) => {
        const body = req.body as Record<string, unknown>;
        await withFormErrors(
          async () => {
            const form = parseInput(createForm, body);
            checkNewPassword(form.password);
            await auth.createUser(req.user!.id, {
              username: form.username,
              password: form.password,
              displayName: form.displayName,
              designation: form.designation,
              role: form.role,
              districtIds: await scopeFrom(form),
              departmentId: await departmentFrom(form.department),
              phone: form.phone,
            });
            res.redirect(303, '/admin/users?created=1');
          },
          (error) => renderForm(req, res, 'auth/user-new', { form: { ...body, password: '' }, error }),
        );
      }),
    ),
    route(
      'get',
      '/admin/users/:id',
      ADMIN,
      'page',
      asyncHandler(async (req, res) => {
        const user = await loadUser(req);
        await renderForm(req, res, 'auth/user-edit', { user, saved: req.query.saved === '1' });
      }),
    ),
    route(
      'post',
      '/admin/users/:id',
      ADMIN,
      'page',
      asyncHandler(async (req, res) => {
        const user = await loadUser(req);
        const body = req.body as Record<string, unknown>;
        await withFormErrors(
          async () => {
            const form = parseInput(changeForm, body);
            await auth.changeUser(req.user!.id, user.id, {
              displayName: form.displayName,
              designation: form.designation,
              role: form.role,
              districtIds: await scopeFrom(form),
              departmentId: await departmentFrom(form.department),
              phone: form.phone,
              active: Boolean(form.active),
            });
            res.redirect(303, `/admin/users/${user.id}?saved=1`);
          },
          (error) => renderForm(req, res, 'auth/user-edit', { user, form: body, error }),
        );
      }),
    ),
    route(
      'post',
      '/admin/users/:id/password',
      ADMIN,
      'page',
      asyncHandler(async (req, res) => {
        const user = await loadUser(req);
        await withFormErrors(
          async () => {
            const form = parseInput(passwordForm, req.body);
            await auth.resetPassword(req.user!.id, user.id, form.password);
            res.redirect(303, `/admin/users/${user.id}?saved=1`);
          },
          (error) => renderForm(req, res, 'auth/user-edit', { user, error }),
        );
      }),
    ),
  ];
}
