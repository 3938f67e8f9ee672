// The board's socket events: one typed map for the server; public/js/board.js uses the same names, listed here.
import type { DomainEvents } from '../../shared/events.js';

/**
 * Wire names, `thing:verb`. The browser has no build step, so public/js/board.js repeats these strings:
 * change one here, change it there.
 *
 *  client → server
 *   'board:join'      {sessionId} | {districtId} | {} (the whole state)   ack {data: BoardSnapshot} | {error}
 *                     Joining again is how a board asks for a fresh snapshot (after a gap or a reconnect).
 *   'board:leave'     no payload                                           ack {data: true}
 *  server → client
 *   'board:event'     BoardEvent[]: a block of {room, seq, name, payload} numbered consecutively; name one of
 *                     BOARD_DOMAIN_EVENTS below. Events of one moment (an outcome brings three) share a frame.
 */
export const BOARD_EVENTS = {
  join: 'board:join',
  leave: 'board:leave',
  event: 'board:event',
} as const;

/** The domain events the board relays, each inside a numbered 'board:event'. */
export const BOARD_DOMAIN_EVENTS = [
  'outcome:recorded',
  'task:changed',
  'caller:state',
  'attempt:updated',
  'flag:raised',
  'flag:decided',
  'explanation:changed',
] as const satisfies ReadonlyArray<keyof DomainEvents>;
export type BoardDomainEvent = (typeof BOARD_DOMAIN_EVENTS)[number];

/** What a board watches: one session, one district, or everything the viewer may see (all districts). */
export type BoardScope = { sessionId: number } | { districtId: number } | Record<string, never>;
/** Socket.io room names: `session:<id>`, `district:<id>`, `state`. */
export type BoardRoom = `session:${number}` | `district:${number}` | 'state';

/** A name in both languages: one event goes to boards in Hindi and in English alike. */
export interface LocalName {
  hi: string;
  en: string;
}

/** An outcome as the feed shows it; the server adds names so a board need not look them up. */
export interface FeedOutcome {
  outcomeId: number;
  taskId: number;
  sessionId: number;
  referenceNo: string;
  departmentId: number;
  department: LocalName;
  callerId: number | null;
  callerName: string | null;
  verdict: string | null;
  disposition: string | null;
  at: string; // ISO, UTC
}

export type BoardEventPayloads = Omit<DomainEvents, 'outcome:recorded'> & {
  'outcome:recorded': DomainEvents['outcome:recorded'] & {
    department: LocalName;
    callerName: string | null;
  };
};

export type BoardEvent = {
  [K in BoardDomainEvent]: { room: BoardRoom; seq: number; name: K; payload: BoardEventPayloads[K] };
}[BoardDomainEvent];

export type CallerState = DomainEvents['caller:state']['state'];

export interface BoardCounts {
  sampled: number;
  called: number;
  inProgress: number;
  satisfied: number;
  partlySatisfied: number;
  unsatisfied: number;
  unreachable: number;
  remaining: number;
}

export interface BoardSnapshot {
  room: BoardRoom;
  /** The room's sequence number when the snapshot was read: events numbered above it come after. */
  seq: number;
  title: LocalName;
  at: string;
  counts: BoardCounts;
  callers: Array<{
    userId: number;
    name: string;
    done: number;
    total: number | null; // null in pool mode: a caller has no fixed share
    state: CallerState;
    lastOutcome: { verdict: string | null; referenceNo: string; at: string } | null;
  }>;
  departments: Array<{
    departmentId: number;
    name: LocalName;
    done: number;
    satisfied: number;
    satisfiedShare: number | null; // 0..1 of verdicts given; null before any
    unsatisfied: number;
    flagged: number;
  }>;
  feed: FeedOutcome[];
  flags: Array<{ flagId: number; referenceNo: string; department: LocalName; reason: string; at: string }>;
  explanations: {
    pending: number;
    overdue: number;
    overdueList: Array<{
      demandId: number;
      referenceNo: string;
      officerName: string | null;
      deadlineAt: string;
    }>;
  };
}

export type Ack<T> = { data: T } | { error: { key: string; message: string } };

export interface ServerToClientEvents {
  'board:event': (events: BoardEvent[]) => void;
}

export interface ClientToServerEvents {
  'board:join': (scope: BoardScope, ack: (reply: Ack<BoardSnapshot>) => void) => void;
  'board:leave': (ack: (reply: Ack<true>) => void) => void;
}

export function roomOf(scope: BoardScope): BoardRoom {
  if ('sessionId' in scope) return `session:${scope.sessionId}`;
  if ('districtId' in scope) return `district:${scope.districtId}`;
  return 'state';
}

/** The rooms an event about a session in a district reaches. */
export function roomsFor(sessionId: number, districtId: number): BoardRoom[] {
  return [`session:${sessionId}`, `district:${districtId}`, 'state'];
}
