// The board's little shared state: each room's event sequence and each caller's live state, in Redis or memory.
import type { RedisClientType } from 'redis';
import type { BoardRoom, CallerState } from './board.events.js';

export interface BoardStore {
  /** Takes `count` numbers in a room's sequence (1, 2, 3...) and returns the first. */
  takeSeqs(room: BoardRoom, count: number): Promise<number>;
  currentSeq(room: BoardRoom): Promise<number>;
  setCallerState(sessionId: number, userId: number, state: CallerState): Promise<void>;
  /** Live states by `<sessionId>:<userId>`; callers never heard of are absent. */
  callerStates(): Promise<Map<string, CallerState>>;
}

export function memoryBoardStore(): BoardStore {
  const seqs = new Map<BoardRoom, number>();
  const states = new Map<string, CallerState>();
  return {
    async takeSeqs(room, count) {
      const first = (seqs.get(room) ?? 0) + 1;
      seqs.set(room, first + count - 1);
      return first;
    },
    async currentSeq(room) {
      return seqs.get(room) ?? 0;
    },
    async setCallerState(sessionId, userId, state) {
      states.set(`${sessionId}:${userId}`, state);
    },
    async callerStates() {
      return new Map(states);
    },
  };
}

const SEQ_PREFIX = 'board:seq:';
const STATES_KEY = 'board:caller-states';

/** Several processes share one sequence per room through INCRBY, so numbers never repeat across them. */
export function redisBoardStore(redis: RedisClientType): BoardStore {
  return {
    async takeSeqs(room, count) {
      return Number(await redis.incrBy(SEQ_PREFIX + room, count)) - count + 1;
    },
    async currentSeq(room) {
      return Number((await redis.get(SEQ_PREFIX + room)) ?? 0);
    },
    async setCallerState(sessionId, userId, state) {
      await redis.hSet(STATES_KEY, `${sessionId}:${userId}`, state);
    },
    async callerStates() {
      const all = await redis.hGetAll(STATES_KEY);
      return new Map(Object.entries(all) as Array<[string, CallerState]>);
    },
  };
}
