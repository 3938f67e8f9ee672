// The review rules: reject or uphold a flagged disposal report, flag a perfunctory one, and follow explanations.
import type { Knex } from 'knex';
import type { AppDeps } from '../../deps.js';
import { lockForUpdate } from '../../db/locking.js';
import type { DateTime } from 'luxon';
import { nowDb, toDbTime } from '../../shared/dates.js';
import { AppError, conflict, forbidden, notFound } from '../../shared/errors.js';
import { getSetting } from '../../shared/settings.js';
import type { SignedInUser } from '../auth/users.repository.js';
import { canSeeDistrict } from '../auth/users.repository.js';
import {
  DEFAULT_EXPLANATION_DAYS,
  EXPLANATION_DAYS_SETTING,
  explanationDeadline,
  type RejectionReason,
} from './reason-codes.js';
import {
  type DemandRow,
  type FlagRow,
  findDemand,
  findFlag,
  findSession,
  isSessionOfficerOf,
  type SessionRef,
} from './review.repository.js';

export interface Rejection {
  reasonCodes: RejectionReason[];
  otherText?: string | undefined;
  note?: string | undefined;
}

type Emit = () => void;

export class ReviewService {
  constructor(private readonly deps: AppDeps) {}

  /** Supervisors and admins review every session in their districts; a session officer only the sessions they ran. */
  async assertMayReview(db: Knex, user: SignedInUser, session: SessionRef | undefined): Promise<SessionRef> {
    if (!session || !canSeeDistrict(user, session.district_id)) throw notFound('review.error.noSession');
    if (user.role === 'admin' || user.role === 'supervisor') return session;
    if (user.role === 'session_officer' && (await isSessionOfficerOf(db, user.id, session))) return session;
    throw forbidden('review.error.notYourSession');
  }

  private async openFlag(
    trx: Knex.Transaction,
    user: SignedInUser,
    flagId: number,
  ): Promise<[FlagRow, SessionRef]> {
    const flag = (await lockForUpdate(trx, trx('report_flags').where({ id: flagId }).first())) as
      FlagRow | undefined;
    if (!flag) throw notFound('review.error.noFlag');
    const session = await this.assertMayReview(trx, user, await findSession(trx, flag.session_id));
    if (flag.status !== 'open') throw conflict('review.error.alreadyDecided', { status: flag.status });
    return [flag, session];
  }

  /** Rejects the report and demands an explanation from the officer responsible, in one transaction. */
  async rejectReport(
    user: SignedInUser,
    flagId: number,
    rejection: Rejection,
  ): Promise<{ demandId: number }> {
    if (rejection.reasonCodes.length === 0) throw new AppError(400, 'review.error.reasonRequired');
    if (rejection.reasonCodes.includes('other') && !rejection.otherText?.trim())
      throw new AppError(400, 'review.error.otherTextRequired');
    const { db, clock, audit } = this.deps;
    const days = await getSetting<number>(db, EXPLANATION_DAYS_SETTING, DEFAULT_EXPLANATION_DAYS);
    const emits: Emit[] = [];
    const result = await db.transaction(async (trx) => {
      const [flag, session] = await this.openFlag(trx, user, flagId);
      const complaint = (await trx('complaints').where({ id: flag.complaint_id }).first('officer_id')) as {
        officer_id: number | null;
      };
      const now = nowDb(clock);
      const codes = JSON.stringify(
        rejection.reasonCodes.map((code) =>
          code === 'other' ? { code, text: rejection.otherText!.trim() } : { code },
        ),
      );
      const after = { status: 'rejected', reason_codes: codes, note: rejection.note?.trim() || null };
      await trx('report_flags')
        .where({ id: flag.id })
        .update({ ...after, decided_by: user.id, decided_at: now, updated_at: now });
      const deadline = nowDb({ now: () => explanationDeadline(clock.now(), days) });
      const [demandId] = await trx('explanation_demands').insert({
        flag_id: flag.id,
        session_id: flag.session_id,
        officer_id: complaint.officer_id,
        complaint_id: flag.complaint_id,
        deadline_at: deadline,
        status: 'demanded',
        created_at: now,
        updated_at: now,
      });
      await audit.record(trx, {
        userId: user.id,
        action: 'report.rejected',
        entity: 'report_flag',
        entityId: flag.id,
        before: { status: flag.status },
        after,
      });
      await audit.record(trx, {
        userId: user.id,
        action: 'explanation.demanded',
        entity: 'explanation_demand',
        entityId: demandId as number,
        after: { flagId: flag.id, officerId: complaint.officer_id, deadlineAt: deadline },
      });
      const base = { sessionId: flag.session_id, districtId: session.district_id };
      emits.push(
        () => this.deps.events.emit('flag:decided', { flagId: flag.id, ...base, status: 'rejected' }),
        () =>
          this.deps.events.emit('explanation:changed', {
            demandId: demandId as number,
            ...base,
            status: 'demanded',
          }),
      );
      return { demandId: demandId as number };
    });
    for (const emit of emits) emit();
    return result;
  }

  /** Upholds the report: the verdict stands on record but the report is accepted; a note says why. */
  async upholdReport(user: SignedInUser, flagId: number, note: string): Promise<void> {
    if (!note.trim()) throw new AppError(400, 'review.error.noteRequired');
    const { db, clock, audit } = this.deps;
    const districtId = await db.transaction(async (trx) => {
      const [flag, session] = await this.openFlag(trx, user, flagId);
      const now = nowDb(clock);
      await trx('report_flags').where({ id: flag.id }).update({
        status: 'upheld',
        note: note.trim(),
        decided_by: user.id,
        decided_at: now,
        updated_at: now,
      });
      await audit.record(trx, {
        userId: user.id,
        action: 'report.upheld',
        entity: 'report_flag',
        entityId: flag.id,
        before: { status: flag.status },
        after: { status: 'upheld', note: note.trim() },
      });
      return session.district_id;
    });
    const flag = (await findFlag(db, flagId))!;
    this.deps.events.emit('flag:decided', {
      flagId,
      sessionId: flag.session_id,
      districtId,
      status: 'upheld',
    });
  }

  /**
   * A session officer flags a report the complainant was satisfied with but which reads as perfunctory (no hearing,
   * copied text). Only a complaint called in that session with a current "satisfied" outcome can be flagged so.
   */
  async flagPerfunctory(
    user: SignedInUser,
    sessionId: number,
    complaintId: number,
    note: string,
  ): Promise<number> {
    if (!note.trim()) throw new AppError(400, 'review.error.noteRequired');
    const { db, clock, audit } = this.deps;
    const [flagId, districtId] = await db.transaction(async (trx) => {
      const session = await this.assertMayReview(trx, user, await findSession(trx, sessionId));
      const outcome = (await trx('outcomes')
        .where({ session_id: sessionId, complaint_id: complaintId, is_current: true })
        .orderBy('id', 'desc')
        .first('id', 'verdict')) as { id: number; verdict: string | null } | undefined;
      if (!outcome || outcome.verdict !== 'satisfied') throw conflict('review.error.notSatisfied');
      const existing = await trx('report_flags')
        .where({ session_id: sessionId, complaint_id: complaintId })
        .first('id');
      if (existing) throw conflict('review.error.alreadyFlagged');
      const now = nowDb(clock);
      const [id] = await trx('report_flags').insert({
        complaint_id: complaintId,
        session_id: sessionId,
        outcome_id: outcome.id,
        reason: 'perfunctory',
        raised_by: user.id,
        status: 'open',
        reason_codes: '[]',
        note: note.trim(),
        created_at: now,
        updated_at: now,
      });
      await audit.record(trx, {
        userId: user.id,
        action: 'flag.raised',
        entity: 'report_flag',
        entityId: id as number,
        after: { complaintId, sessionId, reason: 'perfunctory', note: note.trim() },
      });
      return [id as number, session.district_id] as const;
    });
    this.deps.events.emit('flag:raised', {
      flagId,
      sessionId,
      districtId,
      complaintId,
      reason: 'perfunctory',
    });
    return flagId;
  }

  private async lockDemand(
    trx: Knex.Transaction,
    user: SignedInUser,
    demandId: number,
  ): Promise<[DemandRow, SessionRef]> {
    const demand = (await lockForUpdate(trx, trx('explanation_demands').where({ id: demandId }).first())) as
      DemandRow | undefined;
    if (!demand) throw notFound('review.error.noDemand');
    const session = await this.assertMayReview(trx, user, await findSession(trx, demand.session_id));
    return [demand, session];
  }

  /** Records the officer's reply as received by the office: its text, the day it came, and who entered it. */
  async recordReply(
    user: SignedInUser,
    demandId: number,
    text: string,
    receivedAt?: DateTime,
  ): Promise<void> {
    if (!text.trim()) throw new AppError(400, 'review.error.replyRequired');
    const { db, clock, audit } = this.deps;
    const session = await db.transaction(async (trx) => {
      const [demand, session] = await this.lockDemand(trx, user, demandId);
      if (demand.status !== 'demanded')
        throw conflict('review.error.alreadyReplied', { status: demand.status });
      const now = nowDb(clock);
      if (receivedAt && receivedAt > clock.now()) throw new AppError(400, 'review.error.replyInFuture');
      const repliedAt = receivedAt ? toDbTime(receivedAt) : now;
      const after = {
        status: 'replied',
        reply_text: text.trim(),
        replied_at: repliedAt,
        reply_entered_by: user.id,
      };
      await trx('explanation_demands')
        .where({ id: demandId })
        .update({ ...after, updated_at: now });
      await audit.record(trx, {
        userId: user.id,
        action: 'explanation.replied',
        entity: 'explanation_demand',
        entityId: demandId,
        before: { status: demand.status },
        after,
      });
      return session;
    });
    this.changed(demandId, session, 'replied');
  }

  /** Accepts or does not accept a received reply; a decision is final (a second one is refused). */
  async decideExplanation(
    user: SignedInUser,
    demandId: number,
    accepted: boolean,
    note: string,
  ): Promise<void> {
    const { db, clock, audit } = this.deps;
    const status = accepted ? 'accepted' : 'not_accepted';
    if (!accepted && !note.trim()) throw new AppError(400, 'review.error.noteRequired');
    const session = await db.transaction(async (trx) => {
      const [demand, session] = await this.lockDemand(trx, user, demandId);
      if (demand.status === 'demanded') throw conflict('review.error.noReplyYet');
      if (demand.status !== 'replied')
        throw conflict('review.error.alreadyDecided', { status: demand.status });
      const now = nowDb(clock);
      const after = { status, decided_by: user.id, decided_at: now, decision_note: note.trim() || null };
      await trx('explanation_demands')
        .where({ id: demandId })
        .update({ ...after, updated_at: now });
      await audit.record(trx, {
        userId: user.id,
        action: `explanation.${status}`,
        entity: 'explanation_demand',
        entityId: demandId,
        before: { status: demand.status },
        after,
      });
      return session;
    });
    this.changed(demandId, session, status);
  }

  private changed(demandId: number, session: SessionRef, status: string): void {
    this.deps.events.emit('explanation:changed', {
      demandId,
      sessionId: session.id,
      districtId: session.district_id,
      status,
    });
  }

  /** For pages that show one demand: refuses one outside the user's reach like any other missing demand. */
  async demandFor(user: SignedInUser, demandId: number): Promise<DemandRow> {
    const demand = await findDemand(this.deps.db, demandId);
    if (!demand) throw notFound('review.error.noDemand');
    await this.assertMayReview(this.deps.db, user, await findSession(this.deps.db, demand.session_id));
    return demand;
  }
}
