// Recording what a call came to: the attempt's disposition, the verdict and answers, retries and corrections.
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import { lockForUpdate } from '../../db/locking.js';
import type { AuditLog } from '../audit/audit-log.js';
import { type Clock, fromDbTime, IST, toDbTime } from '../../shared/dates.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../shared/errors.js';
import { parseInput } from '../../shared/http.js';
import type { EventBus, OutcomeRecordedEvent } from '../../shared/events.js';
import { raiseFlagForOutcome } from '../review/flags.hook.js';
import { retryOnDeadlock, type TaskRow } from './call-queue.service.js';
import { applyOutcome, type OutcomeRow } from './apply-outcome.js';
import { DISPOSITION_CODES, dispositionOf, VERDICTS } from './dispositions.js';

export const outcomeInput = z.object({
  idempotencyKey: z.string().trim().min(8).max(100),
  disposition: z.string().trim().min(1).max(40),
  verdict: z.string().trim().max(30).nullish(),
  answers: z
    .record(z.string().max(60), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
    .default({}),
  remarks: z.string().max(5000).nullish(),
  callbackAt: z.string().trim().max(40).nullish(),
  scriptId: z.coerce.number().int().positive().nullish(),
});
export type OutcomeInput = z.input<typeof outcomeInput>;

export const correctionInput = z.object({
  idempotencyKey: z.string().trim().min(8).max(100),
  verdict: z.string().trim().max(30).nullish(),
  answers: z
    .record(z.string().max(60), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
    .optional(),
  remarks: z.string().max(5000).nullish(),
  reason: z.string().trim().min(3).max(2000),
});
export type CorrectionInput = z.input<typeof correctionInput>;

export type { OutcomeRow } from './apply-outcome.js';

export interface RecordedOutcome {
  outcome: OutcomeRow;
  /** The task's status afterwards: done, queued (retry or call-back), unreachable or replaced. */
  taskStatus: string;
  /** The task queued in its place from the reserve list, if any. */
  replacementTaskId: number | null;
  /** A repeat of an earlier submit with the same idempotency key: nothing new was written. */
  repeated: boolean;
}

/** What recording an outcome reads beside the locked task, in the same statement. */
interface TaskContext {
  ctx_district_id: number;
  ctx_reference_no: string;
  ctx_department_id: number;
  ctx_started_at: string | null;
  ctx_duration: number | null;
  ctx_earlier_id: number | null;
  ctx_current_id: number | null;
}

const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return (
    e.code === 'ER_DUP_ENTRY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint/.test(e.message ?? '')
  );
};

export class OutcomesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Records the outcome of the caller's current attempt on a task they hold. The same idempotency key
   * submitted again returns the first outcome and writes nothing. Events go out after the commit.
   */
  async recordOutcome(userId: number, taskId: number, raw: OutcomeInput): Promise<RecordedOutcome> {
    const input = validate(raw);
    let result: RecordedOutcome & { districtId: number; referenceNo: string; departmentId: number };
    try {
      result = await retryOnDeadlock(() =>
        this.db.transaction((trx) => this.recordInTransaction(trx, userId, taskId, input)),
      );
    } catch (err) {
      // Two submits with one key raced past the check; the loser answers with the winner's outcome.
      if (!isUniqueViolation(err)) throw err;
      const first = await this.findByKey(this.db, input.idempotencyKey);
      if (!first || first.task_id !== taskId || first.user_id !== userId) throw err;
      return { outcome: first, taskStatus: 'done', replacementTaskId: null, repeated: true };
    }
    if (!result.repeated) this.announce(result, userId);
    const { districtId: _d, referenceNo: _r, departmentId: _p, ...plain } = result;
    return plain;
  }

  private async recordInTransaction(
    trx: Knex.Transaction,
    userId: number,
    taskId: number,
    input: ReturnType<typeof validate>,
  ) {
    const now = this.clock.now();
    const nowText = toDbTime(now);
    // Lock the task first: a repeat submit waits here for the first one, then sees its outcome. What else the
    // outcome needs comes in the same read; subqueries of a locking read take no locks of their own.
    const task = (await lockForUpdate(
      trx,
      trx('call_tasks as t')
        .where('t.id', taskId)
        .first(
          't.*',
          trx.raw(
            '(select s.district_id from feedback_sessions s where s.id = t.session_id) as ctx_district_id',
          ),
          trx.raw(
            '(select c.reference_no from complaints c where c.id = t.complaint_id) as ctx_reference_no',
          ),
          trx.raw(
            '(select c.department_id from complaints c where c.id = t.complaint_id) as ctx_department_id',
          ),
          trx.raw(
            '(select a.started_at from call_attempts a where a.id = t.current_attempt_id) as ctx_started_at',
          ),
          trx.raw(
            '(select a.duration_seconds from call_attempts a where a.id = t.current_attempt_id) as ctx_duration',
          ),
          trx.raw('(select o.id from outcomes o where o.idempotency_key = ?) as ctx_earlier_id', [
            input.idempotencyKey,
          ]),
          trx.raw(
            '(select max(o.id) from outcomes o where o.task_id = t.id and o.is_current = ?) as ctx_current_id',
            [true],
          ),
        ),
    )) as (TaskRow & TaskContext) | undefined;
    if (!task) throw notFound('calls.error.taskNotFound', { taskId });
    const context = {
      districtId: task.ctx_district_id,
      referenceNo: task.ctx_reference_no,
      departmentId: task.ctx_department_id,
    };

    // A repeat of a submit that already committed. When the task is no longer ours the first submit may have
    // committed while this one waited for the lock: a locking read sees what committed since.
    const mine = task.lease_user_id === userId && task.status === 'claimed';
    const earlier = task.ctx_earlier_id
      ? await this.findByKey(trx, input.idempotencyKey)
      : mine
        ? undefined
        : await lockForUpdate(trx, trx('outcomes').where({ idempotency_key: input.idempotencyKey }).first());
    if (earlier) {
      if (earlier.task_id !== taskId || earlier.user_id !== userId) throw conflict('calls.error.keyReused');
      return {
        outcome: earlier as OutcomeRow,
        taskStatus: task.status,
        replacementTaskId: null,
        repeated: true,
        ...context,
      };
    }

    if (!mine) {
      // Only someone who may see the complaint's district is told which complaint it is.
      const seer = (await trx('users').where({ id: userId }).first('all_districts')) as
        { all_districts: number | boolean } | undefined;
      const inScope =
        Boolean(seer?.all_districts) ||
        Boolean(
          await trx('user_districts')
            .where({ user_id: userId, district_id: context.districtId })
            .first('user_id'),
        );
      if (!inScope) throw notFound('calls.error.taskNotFound', { taskId });
      throw forbidden('calls.error.notYourTask', { reference: context.referenceNo });
    }
    if ((fromDbTime(task.lease_expires_at)?.toMillis() ?? 0) <= now.toMillis()) {
      throw new AppError(409, 'calls.error.leaseExpired', { reference: context.referenceNo });
    }

    if (input.disposition.effect === 'callback') {
      if (input.callbackAt! <= now || input.callbackAt! > now.plus({ days: 30 })) {
        throw badRequest('calls.error.callbackTimeRange');
      }
    }
    const started = fromDbTime(task.ctx_started_at);
    // A Twilio bridge has already stored the call's own length; otherwise the attempt lasted until now.
    const wallClock = started ? Math.max(0, Math.round(now.diff(started, 'seconds').seconds)) : null;
    const applied = await applyOutcome(
      trx,
      { clock: this.clock, audit: this.audit, events: this.events },
      {
        task,
        attemptId: task.current_attempt_id,
        attemptEnd: {
          endedAt: nowText,
          durationSeconds: task.ctx_duration ?? wallClock,
          scriptId: input.scriptId ?? null,
        },
        userId,
        disposition: input.disposition,
        verdict: input.verdict,
        answers: input.answers,
        remarks: input.remarks ?? null,
        idempotencyKey: input.idempotencyKey,
        callbackAt: input.disposition.effect === 'callback' ? input.callbackAt : null,
        currentOutcomeId: task.ctx_current_id,
        districtId: context.districtId,
      },
    );
    return {
      outcome: applied.outcome,
      taskStatus: applied.taskStatus,
      replacementTaskId: applied.replacementTaskId,
      repeated: false,
      ...context,
    };
  }

  /**
   * A correction never edits the submitted outcome: it is a new row pointing at the old one, with a reason,
   * and the old row stops being current. The original caller or a supervisor may correct.
   */
  async correctOutcome(
    user: { id: number; role: string },
    outcomeId: number,
    raw: CorrectionInput,
  ): Promise<RecordedOutcome> {
    const input = parseInput(correctionInput, raw);
    if (input.verdict && !(VERDICTS as readonly string[]).includes(input.verdict)) {
      throw badRequest('calls.error.unknownVerdict', {
        verdict: input.verdict,
        allowed: VERDICTS.join(', '),
      });
    }
    const nowText = toDbTime(this.clock.now());
    const result = await this.db.transaction(async (trx) => {
      const old = (await lockForUpdate(trx, trx('outcomes').where({ id: outcomeId }).first())) as
        OutcomeRow | undefined;
      if (!old) throw notFound('calls.error.outcomeNotFound');
      const earlier = await this.findByKey(trx, input.idempotencyKey);
      if (earlier) {
        if (earlier.corrects_outcome_id !== outcomeId) throw conflict('calls.error.keyReused');
        return { outcome: earlier, repeated: true, context: null };
      }
      const mayCorrect = old.user_id === user.id || ['supervisor', 'admin'].includes(user.role);
      if (!mayCorrect) throw forbidden('calls.error.notYourOutcome');
      if (!old.is_current) throw conflict('calls.error.outcomeSuperseded');
      // A correction keeps the call's disposition, so the verdict follows that disposition's rule; '' means none.
      const verdict = input.verdict === undefined ? old.verdict : input.verdict || null;
      const rule = dispositionOf(old.disposition)?.verdict;
      if (rule === 'none' && verdict) {
        throw badRequest('calls.error.verdictNotTaken', { disposition: old.disposition });
      }
      if (rule === 'required' && !verdict) throw badRequest('calls.error.correctionVerdictRequired');
      const row = {
        task_id: old.task_id,
        attempt_id: old.attempt_id,
        complaint_id: old.complaint_id,
        session_id: old.session_id,
        user_id: user.id,
        disposition: old.disposition,
        aapor_code: old.aapor_code,
        verdict,
        answers: input.answers ? JSON.stringify(input.answers) : old.answers,
        remarks: input.remarks === undefined ? old.remarks : input.remarks,
        idempotency_key: input.idempotencyKey,
        corrects_outcome_id: old.id,
        correction_reason: input.reason,
        is_current: true,
        created_at: nowText,
      };
      await trx('outcomes').where({ id: old.id }).update({ is_current: false });
      const [id] = await trx('outcomes').insert(row);
      const outcome = { ...row, id: id as number } as OutcomeRow;
      await raiseFlagForOutcome(
        trx,
        {
          id: outcome.id,
          sessionId: old.session_id,
          complaintId: old.complaint_id,
          userId: user.id,
          verdict: outcome.verdict,
        },
        this.clock,
        this.events,
      );
      await this.audit.record(trx, {
        userId: user.id,
        action: 'outcome.corrected',
        entity: 'outcome',
        entityId: old.id,
        before: { verdict: old.verdict, answers: old.answers, remarks: old.remarks },
        after: {
          outcomeId: outcome.id,
          verdict: outcome.verdict,
          answers: outcome.answers,
          remarks: outcome.remarks,
          reason: input.reason,
        },
      });
      const context = (await trx('complaints as c')
        .join('feedback_sessions as s', 's.id', trx.raw('?', [old.session_id]))
        .where('c.id', old.complaint_id)
        .first('c.reference_no', 'c.department_id', 's.district_id')) as {
        reference_no: string;
        department_id: number;
        district_id: number;
      };
      return { outcome, repeated: false, context };
    });
    const task = (await this.db('call_tasks').where({ id: result.outcome.task_id }).first('status')) as {
      status: string;
    };
    if (!result.repeated && result.context) {
      this.announce(
        {
          outcome: result.outcome,
          taskStatus: task.status,
          districtId: result.context.district_id,
          referenceNo: result.context.reference_no,
          departmentId: result.context.department_id,
        },
        user.id,
        { correction: true },
      );
    }
    return {
      outcome: result.outcome,
      taskStatus: task.status,
      replacementTaskId: null,
      repeated: result.repeated,
    };
  }

  private findByKey(db: Knex, key: string): Promise<OutcomeRow | undefined> {
    return db('outcomes').where({ idempotency_key: key }).first() as Promise<OutcomeRow | undefined>;
  }

  private announce(
    r: {
      outcome: OutcomeRow;
      taskStatus: string;
      districtId: number;
      referenceNo: string;
      departmentId: number;
    },
    userId: number,
    { correction = false }: { correction?: boolean } = {},
  ): void {
    const o = r.outcome;
    const event: OutcomeRecordedEvent = {
      outcomeId: o.id,
      taskId: o.task_id,
      sessionId: o.session_id,
      districtId: r.districtId,
      complaintId: o.complaint_id,
      referenceNo: r.referenceNo,
      departmentId: r.departmentId,
      userId: o.user_id,
      verdict: o.verdict,
      disposition: o.disposition,
      at: o.created_at,
    };
    this.events.emit('outcome:recorded', event);
    this.events.emit('task:changed', {
      taskId: o.task_id,
      sessionId: o.session_id,
      districtId: r.districtId,
      status: r.taskStatus,
      userId,
    });
    // A correction is desk work, not a call: whoever makes it (often a supervisor) is not shown as a caller.
    if (correction) return;
    this.events.emit('caller:state', {
      sessionId: o.session_id,
      districtId: r.districtId,
      userId,
      state: 'idle',
    });
  }
}

/** Checks an outcome's fields against the disposition rules; every refusal names what to fix, in both languages. */
function validate(raw: OutcomeInput) {
  const parsed = outcomeInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest('error.invalidInput', {
      detail: `${issue.path.join('.') || 'input'}: ${issue.message}`,
    });
  }
  const input = parsed.data;
  const disposition = dispositionOf(input.disposition);
  if (!disposition) {
    throw badRequest('calls.error.unknownDisposition', {
      disposition: input.disposition,
      allowed: DISPOSITION_CODES.join(', '),
    });
  }
  const verdict = input.verdict || null;
  if (verdict && !(VERDICTS as readonly string[]).includes(verdict)) {
    throw badRequest('calls.error.unknownVerdict', { verdict, allowed: VERDICTS.join(', ') });
  }
  if (disposition.verdict === 'required' && !verdict) throw badRequest('calls.error.verdictRequired');
  if (disposition.verdict === 'none' && verdict) {
    throw badRequest('calls.error.verdictNotTaken', { disposition: disposition.code });
  }
  let callbackAt: DateTime | null = null;
  if (disposition.effect === 'callback') {
    const at = input.callbackAt ? fromIsoOrLocal(input.callbackAt) : null;
    if (!at) throw badRequest('calls.error.callbackTimeRequired');
    callbackAt = at;
  }
  return { ...input, disposition, verdict, callbackAt };
}

/** A call-back time from the console: ISO with an offset, or a local 'YYYY-MM-DDTHH:MM' read as Asia/Kolkata. */
function fromIsoOrLocal(value: string): DateTime | null {
  const dt = DateTime.fromISO(value, { zone: IST });
  return dt.isValid ? dt.toUTC() : null;
}
