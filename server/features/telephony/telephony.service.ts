// Calls placed through Twilio for the queue: the caller's bridge, the IVR, webhooks onto attempts, recordings.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { lockForUpdate } from '../../db/locking.js';
import { type Clock, istDay, nowDb, toDbTime } from '../../shared/dates.js';
import { queueSettings } from '../calls/call-queue.service.js';
import { type CallingHours, withinCallingHours } from '../calls/calling-hours.js';
import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { EventBus } from '../../shared/events.js';
import type { AuditLog } from '../audit/audit-log.js';
import { canSeeDistrict, type SignedInUser } from '../auth/users.repository.js';
import {
  attemptCallState,
  callerUnreachableKey,
  isFinalStatus,
  isLaterStatus,
  isTerminalState,
  ivrOutcome,
  prefilledDisposition,
  type CallState,
  type TwilioCallStatus,
} from './call-status.js';
import { recordTelephonyDisposition, type QueueChange } from './queue-outcomes.js';
import type { RecordingAudio, Telephony } from './telephony.js';
import { TelephonyError } from './telephony-error.js';
import type {
  CallLegReport,
  IvrAnswerReport,
  RecordingReport,
  TelephonyWebhookHandlers,
} from './webhook.routes.js';

export interface TelephonyServiceDeps {
  db: Knex;
  clock: Clock;
  events: EventBus;
  audit: AuditLog;
  logger: Logger;
  telephony: Telephony;
  /** The office's texts for Twilio to speak, re-read before calls are placed. */
  speech?: { refresh(): Promise<void> };
  recordingRetentionDays: number;
  /** How long an IVR call holds its task before the queue's lease expiry returns it. */
  ivrLeaseMinutes?: number;
}

interface AttemptRow {
  id: number;
  task_id: number;
  user_id: number | null;
  channel: string;
  call_sid: string | null;
  call_status: string | null;
  caller_leg_status: TwilioCallStatus | null;
  complainant_leg_status: TwilioCallStatus | null;
  duration_seconds: number | null;
  disposition: string | null;
  error_key: string | null;
  error_params: string | null;
  recording_sid: string | null;
  recording_deleted_at: string | null;
  ended_at: string | null;
}

interface TaskContext {
  taskId: number;
  sessionId: number;
  districtId: number;
  complaintId: number;
  status: string;
  leaseUserId: number | null;
  leaseExpiresAt: string | null;
  assignedUserId: number | null;
  currentAttemptId: number | null;
  mobile: string | null;
  referenceNo: string;
  departmentId: number;
  departmentName: string;
  recordCalls: boolean;
}

/** What the console shows about one attempt; never the complainant's number. */
export interface AttemptView {
  attemptId: number;
  taskId: number;
  channel: string;
  state: CallState | 'not_placed' | null;
  finished: boolean;
  durationSeconds: number | null;
  disposition: string | null;
  error: { key: string; params: Record<string, string | number> } | null;
}

/** Refusals about one complainant's number; the IVR run goes on with the next task. */
const complainantRefusals = new Set([
  'telephony.error.complainantPhoneInvalid',
  'telephony.error.complainantPhoneUnreachable',
  'telephony.error.callsNotPermitted',
]);

/** The state of an attempt Twilio refused to place. */
const notPlaced = 'not_placed';

/** The tasks an IVR run calls: a session's queued pool tasks that are due, and not call-backs (those want a person). */
function ivrCandidates(q: Knex.QueryBuilder, sessionId: number, nowText: string): Knex.QueryBuilder {
  return q
    .where({ session_id: sessionId, status: 'queued', is_callback: false })
    .whereNull('assigned_user_id')
    .where('due_at', '<=', nowText);
}

/** How many tasks an IVR run of the session would call now (the session page shows it beside the button). */
export async function countIvrCandidates(db: Knex, sessionId: number, clock: Clock): Promise<number> {
  const row = (await ivrCandidates(db('call_tasks'), sessionId, toDbTime(clock.now()))
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export class TelephonyService implements TelephonyWebhookHandlers {
  constructor(private readonly deps: TelephonyServiceDeps) {}

  get mode(): Telephony['mode'] {
    return this.deps.telephony.mode;
  }

  // ---- The caller's bridge ------------------------------------------------------------------

  /**
   * Rings the caller's own phone and bridges to the complainant, for a task the caller holds. A refusal by
   * Twilio stays on the attempt as a translated reason and is thrown for the caller's screen; the task stays
   * with the caller either way.
   */
  async startBridgeCall(user: SignedInUser, taskId: number): Promise<AttemptView> {
    const { db, clock, telephony } = this.deps;
    if (telephony.mode !== 'twilio') throw conflict('telephony.error.manualMode');
    const { attemptId, task } = await db.transaction(async (trx) => {
      // Two quick presses on MariaDB: the second waits here and then sees the first one's call.
      await lockForUpdate(trx, trx('call_tasks').where({ id: taskId }).first('id'));
      const task = await taskContext(trx, taskId);
      if (!task) throw notFound('telephony.error.taskNotFound');
      const leaseLive = task.leaseExpiresAt !== null && task.leaseExpiresAt > nowDb(clock);
      if (task.status !== 'claimed' || task.leaseUserId !== user.id || !leaseLive) {
        throw conflict('telephony.error.taskNotHeld');
      }
      // A second press while the first call rings or talks; a call whose callbacks never came stops counting.
      const open = (await trx('call_attempts')
        .where({ task_id: taskId, channel: 'bridge' })
        .whereNull('ended_at')
        .where((q) =>
          q
            .where('call_status', 'connected')
            .orWhere('started_at', '>', toDbTime(clock.now().minus({ minutes: 2 }))),
        )
        .first('id')) as { id: number } | undefined;
      if (open) throw conflict('telephony.error.callInProgress');
      const attemptId = await openBridgeAttempt(trx, task, user.id, nowDb(clock));
      await this.deps.audit.record(trx, {
        userId: user.id,
        action: 'telephony.bridge.start',
        entity: 'call_attempt',
        entityId: attemptId,
        after: { taskId, channel: 'bridge' },
      });
      return { attemptId, task };
    });

    try {
      await this.deps.speech?.refresh();
      const placed = await telephony.startBridgeCall({
        callerPhone: user.phone ?? '',
        complainantPhone: task.mobile ?? '',
        attemptId,
        record: task.recordCalls,
      });
      if (placed) await db('call_attempts').where({ id: attemptId }).update({ call_sid: placed.callSid });
    } catch (error) {
      await this.storeRefusal(attemptId, error);
      this.emitAttempt(task, attemptId, notPlaced);
      throw error;
    }
    this.emitAttempt(task, attemptId, 'ringing_caller');
    return this.attemptView(user, attemptId);
  }

  /** The attempt as the console polls it: its caller, or a supervisor in the district. */
  async attemptView(user: SignedInUser, attemptId: number): Promise<AttemptView> {
    const row = (await this.deps.db('call_attempts').where({ id: attemptId }).first()) as
      AttemptRow | undefined;
    if (!row) throw notFound('telephony.error.attemptNotFound');
    const task = await taskContext(this.deps.db, row.task_id);
    const mayWatch =
      row.user_id === user.id ||
      (['supervisor', 'admin'].includes(user.role) && task !== null && canSeeDistrict(user, task.districtId));
    if (!mayWatch) throw notFound('telephony.error.attemptNotFound');
    const state = row.call_status as AttemptView['state'];
    return {
      attemptId: row.id,
      taskId: row.task_id,
      channel: row.channel,
      state,
      finished: state === notPlaced || (state !== null && isTerminalState(state as CallState)),
      durationSeconds: row.duration_seconds,
      disposition: row.disposition,
      error: row.error_key ? { key: row.error_key, params: parseParams(row.error_params) } : null,
    };
  }

  // ---- Webhooks -----------------------------------------------------------------------------

  /**
   * One leg's status callback. Each leg keeps its latest status (a late or repeated callback changes
   * nothing) and the attempt's state is derived from both, so Twilio's retries and reordering are harmless.
   */
  async callLegStatus(report: CallLegReport): Promise<void> {
    const { db, clock } = this.deps;
    const attemptId = Number(report.attemptId);
    if (!Number.isInteger(attemptId)) return;
    const applied = await db.transaction(async (trx) => {
      const row = await lockAttempt(trx, attemptId);
      if (!row) return null;
      if (adoptsCallSid(row, report)) {
        // Twilio's first callback can beat the API's answer with the call's SID.
        await trx('call_attempts').where({ id: attemptId }).update({ call_sid: report.callSid });
        row.call_sid = report.callSid;
      }
      if (!belongsToAttempt(row, report)) return null;
      const field = report.leg === 'caller' ? 'caller_leg_status' : 'complainant_leg_status';
      if (!isLaterStatus(row[field], report.status)) return null;
      const legs = {
        callerLeg: report.leg === 'caller' ? report.status : row.caller_leg_status,
        complainantLeg: report.leg === 'complainant' ? report.status : row.complainant_leg_status,
      };
      const state = attemptCallState(legs);
      const change: Record<string, unknown> = { [field]: report.status, call_status: state };
      if (report.leg === 'complainant' && isFinalStatus(report.status)) {
        change.duration_seconds = report.durationSeconds;
        change.sip_response_code = report.sipResponseCode;
      }
      if (isTerminalState(state)) change.ended_at = nowDb(clock);
      if (state === 'caller_unreachable') change.error_key = callerUnreachableKey;
      await trx('call_attempts').where({ id: attemptId }).update(change);

      const task = (await taskContext(trx, row.task_id))!;
      let queue: QueueChange | null = null;
      const prefill =
        report.leg === 'complainant' && isFinalStatus(report.status)
          ? prefilledDisposition(report.status, report.sipResponseCode)
          : null;
      const mayDispose = row.disposition === null && heldByAttempt(task, row);
      if (prefill && mayDispose) {
        // No answer, busy, a dead number: the queue's retry rule applies without the caller typing anything.
        queue = await recordTelephonyDisposition(trx, clock, {
          ...dispositionTarget(task, attemptId, row.user_id),
          disposition: prefill.code,
          verdict: null,
          needsHumanCall: false,
        });
      } else if (row.channel === 'ivr' && report.status === 'completed' && mayDispose) {
        // Answered, but the call ended before any key: a person calls back rather than the IVR again.
        const outcome = ivrOutcome(null);
        queue = await recordTelephonyDisposition(trx, clock, {
          ...dispositionTarget(task, attemptId, null),
          disposition: outcome.disposition,
          verdict: null,
          needsHumanCall: true,
        });
      }
      await this.deps.audit.record(trx, {
        userId: null,
        action: 'telephony.call.status',
        entity: 'call_attempt',
        entityId: attemptId,
        before: { [field]: row[field], state: row.call_status },
        after: { [field]: report.status, state, ...(queue && { task: queue.taskStatus }) },
      });
      return { task, state, stateChanged: state !== row.call_status, queue, userId: row.user_id };
    });
    if (!applied) return;
    // A leg's status can move without changing what the board shows (the caller hanging up after the end).
    if (applied.stateChanged) {
      this.emitAttempt(applied.task, attemptId, applied.state);
      if (applied.userId !== null) this.emitCallerState(applied.task, applied.userId, applied.state);
    }
    if (applied.queue) this.emitQueueChange(applied.task, applied.queue);
  }

  /** A finished recording: kept once, with its length; Twilio's retry of the same recording changes nothing. */
  async recordingReady(report: RecordingReport): Promise<void> {
    const attemptId = Number(report.attemptId);
    if (!Number.isInteger(attemptId) || report.status !== 'completed') return;
    await this.deps.db.transaction(async (trx) => {
      const row = await lockAttempt(trx, attemptId);
      if (!row || row.call_sid !== report.callSid || row.recording_sid) return;
      await trx('call_attempts').where({ id: attemptId }).update({
        recording_sid: report.recordingSid,
        recording_url: report.recordingUrl,
        recording_seconds: report.durationSeconds,
      });
      await this.deps.audit.record(trx, {
        userId: null,
        action: 'telephony.recording.stored',
        entity: 'call_attempt',
        entityId: attemptId,
        after: { recordingSid: report.recordingSid, seconds: report.durationSeconds },
      });
    });
  }

  /** The IVR's keypad answer: the same outcome a caller records, once per attempt. */
  async ivrAnswered(report: IvrAnswerReport): Promise<void> {
    const { db, clock } = this.deps;
    const attemptId = Number(report.attemptId);
    if (!Number.isInteger(attemptId)) return;
    const applied = await db.transaction(async (trx) => {
      const row = await lockAttempt(trx, attemptId);
      if (!row || row.channel !== 'ivr' || row.call_sid !== report.callSid || row.disposition !== null) {
        return null;
      }
      await trx('call_attempts').where({ id: attemptId }).update({ ivr_digits: report.digits });
      const task = (await taskContext(trx, row.task_id))!;
      if (!heldByAttempt(task, row)) return null;
      const outcome = ivrOutcome(report.choice);
      const queue = await recordTelephonyDisposition(trx, clock, {
        ...dispositionTarget(task, attemptId, null),
        disposition: outcome.disposition,
        verdict: outcome.verdict,
        needsHumanCall: outcome.needsHumanCall,
        answers: { ivrKey: report.digits },
      });
      await this.deps.audit.record(trx, {
        userId: null,
        action: 'telephony.ivr.answer',
        entity: 'call_attempt',
        entityId: attemptId,
        after: { digits: report.digits, choice: report.choice, task: queue.taskStatus },
      });
      return { task, queue };
    });
    if (applied) this.emitQueueChange(applied.task, applied.queue);
  }

  // ---- The IVR ------------------------------------------------------------------------------

  /**
   * Calls the session's queued pool tasks that are due (not call-backs: those want a person), up to
   * `limit`. Each task is held while its call runs; one Twilio refuses goes straight back to the queue.
   */
  async startIvrCalls(
    user: SignedInUser | null,
    sessionId: number,
    limit = 50,
  ): Promise<{ started: number; refused: number }> {
    const { db, clock, telephony } = this.deps;
    if (telephony.mode !== 'twilio') throw conflict('telephony.error.manualMode');
    const session = (await db('feedback_sessions').where({ id: sessionId }).first('district_id')) as
      { district_id: number } | undefined;
    if (!session || (user && !canSeeDistrict(user, session.district_id))) {
      throw notFound('telephony.error.sessionNotFound');
    }
    if (!(await this.callingNow(session.district_id))) throw conflict('telephony.error.outsideCallingHours');
    await this.deps.speech?.refresh();
    let started = 0;
    let refused = 0;
    for (let i = 0; i < limit; i++) {
      const claimed = await this.claimForIvr(sessionId, user?.id ?? null);
      if (!claimed) break;
      const { attemptId, task } = claimed;
      try {
        const placed = await telephony.startIvrCall({
          complainantPhone: task.mobile ?? '',
          attemptId,
          referenceNumber: task.referenceNo,
          departmentName: task.departmentName,
        });
        await db('call_attempts')
          .where({ id: attemptId })
          .update({ call_sid: placed?.callSid ?? null });
        this.emitAttempt(task, attemptId, 'dialling');
        started++;
      } catch (error) {
        refused++;
        await this.storeRefusal(attemptId, error);
        // The task is never lost: it returns to the queue for a person to call.
        await db('call_tasks')
          .where({ id: task.taskId, status: 'claimed' })
          .update({
            status: 'queued',
            is_callback: true,
            lease_user_id: null,
            lease_expires_at: null,
            updated_at: nowDb(clock),
          });
        this.emitAttempt(task, attemptId, notPlaced);
        if (!(error instanceof TelephonyError)) throw error;
        // A refusal about the account (credentials, caller ID, rate) would repeat for every task: stop here.
        if (!complainantRefusals.has(error.key)) break;
      }
    }
    return { started, refused };
  }

  /**
   * What an IVR run of this session would do now, for the page that asks a supervisor to confirm it: how many tasks
   * it would call, and whether calls may be made at this hour. A session outside the user's districts is not found.
   */
  async ivrRunPlan(
    user: SignedInUser,
    sessionId: number,
  ): Promise<{ session: { id: number; title: string }; waiting: number; callingNow: boolean }> {
    const { db, clock } = this.deps;
    const session = (await db('feedback_sessions')
      .where({ id: sessionId })
      .first('id', 'title', 'district_id')) as { id: number; title: string; district_id: number } | undefined;
    if (!session || !canSeeDistrict(user, session.district_id))
      throw notFound('telephony.error.sessionNotFound');
    return {
      session: { id: session.id, title: session.title },
      waiting: await countIvrCandidates(db, sessionId, clock),
      callingNow: await this.callingNow(session.district_id),
    };
  }

  /** The queue's calling hours and the district's holidays bind the IVR as they bind callers. */
  private async callingNow(districtId: number): Promise<boolean> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const holiday = await db('district_holidays')
      .where({ district_id: districtId, day: istDay(now) })
      .first('id');
    if (holiday) return false;
    const settings = await queueSettings(db);
    const district = (await db('districts').where({ id: districtId }).first('settings')) as
      { settings: string } | undefined;
    let hours = settings.callingHours;
    try {
      hours =
        (JSON.parse(district?.settings || '{}') as { callingHours?: CallingHours }).callingHours ?? hours;
    } catch {
      // a district's unreadable settings fall back to the queue's hours
    }
    return withinCallingHours(now, hours);
  }

  private async claimForIvr(
    sessionId: number,
    startedBy: number | null,
  ): Promise<{ attemptId: number; task: TaskContext } | null> {
    const { db, clock } = this.deps;
    return db.transaction(async (trx) => {
      const now = clock.now();
      const candidate = (await lockForUpdate(
        trx,
        ivrCandidates(trx('call_tasks'), sessionId, toDbTime(now))
          .orderBy([{ column: 'priority', order: 'desc' }, 'due_at', 'id'])
          .first('id'),
      )) as { id: number } | undefined;
      if (!candidate) return null;
      await trx('call_tasks')
        .where({ id: candidate.id })
        .update({
          status: 'claimed',
          lease_user_id: null,
          lease_expires_at: toDbTime(now.plus({ minutes: this.deps.ivrLeaseMinutes ?? 15 })),
          updated_at: toDbTime(now),
        });
      const [id] = await trx('call_attempts').insert({
        task_id: candidate.id,
        user_id: null,
        channel: 'ivr',
        started_at: toDbTime(now),
        call_status: 'dialling',
      });
      const attemptId = Number(id);
      await trx('call_tasks').where({ id: candidate.id }).update({ current_attempt_id: attemptId });
      await this.deps.audit.record(trx, {
        userId: startedBy,
        action: 'telephony.ivr.start',
        entity: 'call_attempt',
        entityId: attemptId,
        after: { taskId: candidate.id, channel: 'ivr' },
      });
      return { attemptId, task: (await taskContext(trx, candidate.id))! };
    });
  }

  // ---- Recordings ---------------------------------------------------------------------------

  /** A recording's audio for a supervisor in the attempt's district; its Twilio address never leaves the server. */
  async recordingAudio(user: SignedInUser, attemptId: number): Promise<RecordingAudio> {
    const row = (await this.deps.db('call_attempts').where({ id: attemptId }).first()) as
      AttemptRow | undefined;
    const task = row ? await taskContext(this.deps.db, row.task_id) : null;
    if (!row || !task || !canSeeDistrict(user, task.districtId))
      throw notFound('telephony.error.recordingUnavailable');
    if (!row.recording_sid || row.recording_deleted_at)
      throw notFound('telephony.error.recordingUnavailable');
    return this.deps.telephony.fetchRecordingAudio(row.recording_sid);
  }

  /** Deletes, at Twilio, every recording older than the retention period; returns how many went. */
  async deleteExpiredRecordings(): Promise<number> {
    const { db, clock, telephony } = this.deps;
    const cutoff = toDbTime(clock.now().minus({ days: this.deps.recordingRetentionDays }));
    const due = (await db('call_attempts')
      .whereNotNull('recording_sid')
      .whereNull('recording_deleted_at')
      .where('started_at', '<', cutoff)
      .select('id', 'recording_sid')) as Array<{ id: number; recording_sid: string }>;
    let deleted = 0;
    for (const row of due) {
      try {
        await telephony.deleteRecording(row.recording_sid);
      } catch (error) {
        this.deps.logger.warn(
          { err: error, attemptId: row.id },
          'recording not deleted; next run tries again',
        );
        continue;
      }
      await db.transaction(async (trx) => {
        await trx('call_attempts')
          .where({ id: row.id })
          .update({ recording_deleted_at: nowDb(clock), recording_url: null });
        await this.deps.audit.record(trx, {
          userId: null,
          action: 'telephony.recording.deleted',
          entity: 'call_attempt',
          entityId: row.id,
          before: { recordingSid: row.recording_sid },
        });
      });
      deleted++;
    }
    return deleted;
  }

  // ---- Helpers ------------------------------------------------------------------------------

  private async storeRefusal(attemptId: number, error: unknown): Promise<void> {
    const refusal =
      error instanceof AppError
        ? {
            key: error.key,
            params: error.params,
            code: error instanceof TelephonyError ? error.twilioCode : null,
          }
        : { key: 'telephony.error.unavailable', params: {}, code: null };
    await this.deps.db.transaction(async (trx) => {
      await trx('call_attempts')
        .where({ id: attemptId })
        .update({
          call_status: notPlaced,
          ended_at: nowDb(this.deps.clock),
          error_key: refusal.key,
          error_params: JSON.stringify(refusal.params),
          twilio_error_code: refusal.code,
        });
      await this.deps.audit.record(trx, {
        userId: null,
        action: 'telephony.call.refused',
        entity: 'call_attempt',
        entityId: attemptId,
        after: { reason: refusal.key, twilioCode: refusal.code },
      });
    });
  }

  private emitAttempt(task: TaskContext, attemptId: number, callStatus: string): void {
    this.deps.events.emit('attempt:updated', {
      attemptId,
      taskId: task.taskId,
      sessionId: task.sessionId,
      districtId: task.districtId,
      callStatus,
    });
  }

  /** The board's caller tile follows their bridge: dialling, on the call, then writing up the outcome. */
  private emitCallerState(task: TaskContext, userId: number, state: CallState): void {
    const callerState =
      state === 'connected' ? 'on-call' : isTerminalState(state) ? 'wrapping-up' : 'dialling';
    this.deps.events.emit('caller:state', {
      sessionId: task.sessionId,
      districtId: task.districtId,
      userId,
      state: callerState,
    });
  }

  private emitQueueChange(task: TaskContext, queue: QueueChange): void {
    const { events, clock } = this.deps;
    events.emit('outcome:recorded', {
      outcomeId: queue.outcomeId,
      taskId: task.taskId,
      sessionId: task.sessionId,
      districtId: task.districtId,
      complaintId: task.complaintId,
      referenceNo: task.referenceNo,
      departmentId: task.departmentId,
      userId: queue.userId,
      verdict: queue.verdict,
      disposition: queue.disposition,
      at: nowDb(clock),
    });
    events.emit('task:changed', {
      taskId: task.taskId,
      sessionId: task.sessionId,
      districtId: task.districtId,
      status: queue.taskStatus,
      userId: queue.userId,
    });
  }
}

/**
 * The bridge's attempt is the one the claim opened (calls' current attempt), so the outcome the caller
 * records afterwards lands on it; pressing Call again after a failed try opens a fresh one.
 */
async function openBridgeAttempt(
  trx: Knex.Transaction,
  task: TaskContext,
  userId: number,
  now: string,
): Promise<number> {
  // The attempt starts when the phone rings, not when the task was claimed.
  const bridge = { channel: 'bridge', call_status: 'ringing_caller', started_at: now };
  if (task.currentAttemptId !== null) {
    const current = (await trx('call_attempts').where({ id: task.currentAttemptId }).first()) as
      AttemptRow | undefined;
    const unused =
      current &&
      current.user_id === userId &&
      current.call_sid === null &&
      current.disposition === null &&
      current.call_status === null;
    if (unused) {
      await trx('call_attempts').where({ id: current.id }).update(bridge);
      return current.id;
    }
  }
  const [id] = await trx('call_attempts').insert({ task_id: task.taskId, user_id: userId, ...bridge });
  await trx('call_tasks')
    .where({ id: task.taskId })
    .update({ current_attempt_id: Number(id) });
  return Number(id);
}

async function lockAttempt(trx: Knex.Transaction, attemptId: number): Promise<AttemptRow | undefined> {
  return (await lockForUpdate(trx, trx('call_attempts').where({ id: attemptId }).first())) as
    AttemptRow | undefined;
}

/**
 * Only the attempt that still holds its task may decide the task: a lease that ran out mid-call has handed
 * the task on (and the caller may have typed the outcome already), so a late answer stays on the attempt only.
 */
function heldByAttempt(task: TaskContext, row: AttemptRow): boolean {
  return task.status === 'claimed' && task.currentAttemptId === row.id && task.leaseUserId === row.user_id;
}

/** The call an attempt placed, reported before the API call that placed it returned. */
function adoptsCallSid(row: AttemptRow, report: CallLegReport): boolean {
  if (row.call_sid !== null || row.ended_at !== null || report.parentCallSid !== null) return false;
  return (
    (row.channel === 'bridge' && report.leg === 'caller') ||
    (row.channel === 'ivr' && report.leg === 'complainant')
  );
}

/** A callback names the attempt in its URL; it must also be about that attempt's call. */
function belongsToAttempt(row: AttemptRow, report: CallLegReport): boolean {
  if (!row.call_sid) return false;
  return report.callSid === row.call_sid || report.parentCallSid === row.call_sid;
}

function dispositionTarget(task: TaskContext, attemptId: number, userId: number | null) {
  return { taskId: task.taskId, attemptId, userId };
}

async function taskContext(db: Knex, taskId: number): Promise<TaskContext | null> {
  const row = (await db('call_tasks as t')
    .join('feedback_sessions as s', 's.id', 't.session_id')
    .join('complaints as c', 'c.id', 't.complaint_id')
    .leftJoin('departments as d', 'd.id', 'c.department_id')
    .where('t.id', taskId)
    .first(
      't.id',
      't.session_id',
      's.district_id',
      't.complaint_id',
      't.status',
      't.lease_user_id',
      't.lease_expires_at',
      't.assigned_user_id',
      't.current_attempt_id',
      'c.mobile',
      'c.reference_no',
      'c.department_id',
      'd.name_hi as department_name',
      's.record_calls',
    )) as Record<string, unknown> | undefined;
  if (!row) return null;
  return {
    taskId: Number(row.id),
    sessionId: Number(row.session_id),
    districtId: Number(row.district_id),
    complaintId: Number(row.complaint_id),
    status: String(row.status),
    leaseUserId: row.lease_user_id === null ? null : Number(row.lease_user_id),
    leaseExpiresAt: dbTimeText(row.lease_expires_at),
    assignedUserId: row.assigned_user_id === null ? null : Number(row.assigned_user_id),
    currentAttemptId: row.current_attempt_id === null ? null : Number(row.current_attempt_id),
    mobile: (row.mobile as string | null) ?? null,
    referenceNo: String(row.reference_no),
    departmentId: Number(row.department_id),
    departmentName: String(row.department_name ?? ''),
    recordCalls: Boolean(row.record_calls),
  };
}

function dbTimeText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? toDbTime(value) : String(value);
}

function parseParams(text: string | null): Record<string, string | number> {
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, string | number>;
  } catch {
    return {};
  }
}
