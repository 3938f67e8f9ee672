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

/** The board's Redis keys, under the deployment's prefix (REDIS_PREFIX). */
export function boardRedisKeys(prefix: string) {
  return {
    seq: (room: BoardRoom) => `${prefix}:board:seq:${room}`,
    callerStates: `${prefix}:board:caller-states`,
    /** The socket.io redis-adapter's channels start with this (`<key>#/board#…`). */
    adapter: `${prefix}:socket.io`,
  };
}

/**
 * Several processes share one sequence per room through INCRBY, so numbers never repeat across them; processes of
 * another deployment (another prefix) on the same Redis keep sequences of their own.
 */
export function redisBoardStore(redis: RedisClientType, prefix: string): BoardStore {
  const keys = boardRedisKeys(prefix);
  return {
    async takeSeqs(room, count) {
      return Number(await redis.incrBy(keys.seq(room), count)) - count + 1;
    },
    async currentSeq(room) {
      return Number((await redis.get(keys.seq(room))) ?? 0);
    },
    async setCallerState(sessionId, userId, state) {
      await redis.hSet(keys.callerStates, `${sessionId}:${userId}`, state);
    },
    async callerStates() {
      const all = await redis.hGetAll(keys.callerStates);
      return new Map(Object.entries(all) as Array<[string, CallerState]>);
    },
  };
}
