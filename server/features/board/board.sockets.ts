// The board's sockets: signed-in, scope-checked rooms; domain events relayed numbered; Redis when several processes serve.
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient, type RedisClientType } from 'redis';
import type { Namespace, Server as SocketServer, Socket } from 'socket.io';
import type { AppDeps } from '../../deps.js';
import type { DomainEvents } from '../../shared/events.js';
import { isLang, t, type Lang } from '../../shared/i18n.js';
import { findUserById, type SignedInUser } from '../auth/users.repository.js';
import {
  BOARD_DOMAIN_EVENTS,
  BOARD_EVENTS,
  type Ack,
  type BoardDomainEvent,
  type BoardEvent,
  type BoardEventPayloads,
  type BoardRoom,
  type ClientToServerEvents,
  type LocalName,
  type ServerToClientEvents,
  roomsFor,
} from './board.events.js';
import { readSnapshot } from './board.snapshot.js';
import { boardRedisKeys, memoryBoardStore, redisBoardStore, type BoardStore } from './board.store.js';
import { authoriseRoom, BoardRefusal } from './board.access.js';

interface SocketData {
  user: SignedInUser;
  lang: Lang;
  room: BoardRoom | null;
}
type BoardSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type BoardNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

function langOf(cookieHeader: string | undefined): Lang {
  const m = /(?:^|;\s*)lang=(\w+)/.exec(cookieHeader ?? '');
  return m && isLang(m[1]) ? m[1] : 'hi';
}

/** Names the feed shows, looked up once per process: departments and callers rarely change during a session. */
function nameCache(deps: AppDeps) {
  const departments = new Map<number, Promise<LocalName>>();
  const callers = new Map<number, Promise<string | null>>();
  return {
    department(id: number): Promise<LocalName> {
      if (!departments.has(id)) {
        departments.set(
          id,
          deps
            .db('departments')
            .where({ id })
            .first('name_hi', 'name_en')
            .then((r: { name_hi: string; name_en: string } | undefined) => ({
              hi: r?.name_hi ?? '',
              en: r?.name_en ?? '',
            })),
        );
      }
      return departments.get(id)!;
    },
    caller(id: number | null): Promise<string | null> {
      if (id === null) return Promise.resolve(null);
      if (!callers.has(id)) {
        callers.set(
          id,
          deps
            .db('users')
            .where({ id })
            .first('display_name')
            .then((r: { display_name: string } | undefined) => r?.display_name ?? null),
        );
      }
      return callers.get(id)!;
    },
  };
}

export interface BoardSockets {
  store: BoardStore;
  close(): Promise<void>;
}

export function attachBoardSockets(deps: AppDeps, io: SocketServer): BoardSockets {
  let store: BoardStore = memoryBoardStore();
  const redisClients: RedisClientType[] = [];
  let ready: Promise<unknown> = Promise.resolve();
  if (deps.config.redisUrl) {
    const pub = createClient({ url: deps.config.redisUrl }) as RedisClientType;
    const sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', (err) => deps.logger.error({ err }, 'redis (board)'));
    redisClients.push(pub, sub);
    ready = Promise.all([pub.connect(), sub.connect()]);
    // Without Redis the board cannot number events across processes: say so once, and let joins answer an error.
    ready.catch((err: unknown) => deps.logger.error({ err }, 'board cannot reach Redis at REDIS_URL'));
    io.adapter(createAdapter(pub, sub, { key: boardRedisKeys(deps.config.redisPrefix).adapter }));
    store = redisBoardStore(pub, deps.config.redisPrefix);
  }

  const nsp = io.of('/board') as BoardNamespace;

  // Same sign-in as the pages: the session cookie was read by io.engine.use(sessionMiddleware).
  nsp.use((socket, next) => {
    const req = socket.request as typeof socket.request & { session?: { userId?: number } };
    const userId = req.session?.userId;
    if (!userId) return next(new Error('board.error.signInRequired'));
    findUserById(deps.db, userId)
      .then((user) => {
        if (!user?.active) return next(new Error('board.error.signInRequired'));
        socket.data.user = user;
        socket.data.lang = langOf(socket.request.headers.cookie);
        socket.data.room = null;
        next();
      })
      .catch(next);
  });

  nsp.on('connection', (socket: BoardSocket) => {
    const refuse = (err: unknown): Ack<never> => {
      const key = err instanceof BoardRefusal ? err.key : 'board.error.internal';
      if (!(err instanceof BoardRefusal)) deps.logger.error({ err }, 'board join failed');
      return { error: { key, message: t(socket.data.lang, key) } };
    };

    socket.on(BOARD_EVENTS.join, (scope, ack) => {
      if (typeof ack !== 'function') return;
      (async () => {
        const room = await authoriseRoom(deps.db, socket.data.user, scope);
        await ready;
        if (socket.data.room && socket.data.room !== room) await socket.leave(socket.data.room);
        // Join before reading: events from now on reach this socket, and the snapshot's seq tells which count.
        await socket.join(room);
        socket.data.room = room;
        const snapshot = await readSnapshot(deps.db, room, store, deps.clock);
        if (!snapshot) throw new BoardRefusal(404, 'board.error.noSuchSession');
        return { data: snapshot };
      })().then(ack, (err) => ack(refuse(err)));
    });

    socket.on(BOARD_EVENTS.leave, (ack) => {
      const room = socket.data.room;
      socket.data.room = null;
      Promise.resolve(room ? socket.leave(room) : undefined).then(() => {
        if (typeof ack === 'function') ack({ data: true });
      });
    });
  });

  const names = nameCache(deps);
  async function enrich<K extends BoardDomainEvent>(
    name: K,
    payload: DomainEvents[K],
  ): Promise<BoardEventPayloads[K]> {
    if (name !== 'outcome:recorded') return payload as BoardEventPayloads[K];
    const p = payload as DomainEvents['outcome:recorded'];
    const [department, callerName] = await Promise.all([
      names.department(p.departmentId),
      names.caller(p.userId),
    ]);
    return { ...p, department, callerName } as BoardEventPayloads[K];
  }

  // Events of one moment (an outcome brings three) leave as one frame per room, numbered as a block: a wall of
  // boards gets a third of the frames, and Redis one INCRBY per room instead of one INCR per event.
  const pending = new Map<BoardRoom, Array<Omit<BoardEvent, 'room' | 'seq'>>>();
  let flushing = false;
  async function flush(): Promise<void> {
    flushing = false;
    const batches = [...pending];
    pending.clear();
    await Promise.all(
      batches.map(async ([room, items]) => {
        const first = await store.takeSeqs(room, items.length);
        nsp.to(room).emit(
          BOARD_EVENTS.event,
          items.map((item, i) => ({ ...item, room, seq: first + i }) as BoardEvent),
        );
      }),
    );
  }

  async function relay<K extends BoardDomainEvent>(name: K, payload: DomainEvents[K]): Promise<void> {
    await ready;
    if (name === 'caller:state') {
      const p = payload as DomainEvents['caller:state'];
      store
        .setCallerState(p.sessionId, p.userId, p.state)
        .catch((err) => deps.logger.error({ err }, 'board caller state not kept'));
    }
    const full = await enrich(name, payload);
    for (const room of roomsFor(payload.sessionId, payload.districtId)) {
      const list = pending.get(room) ?? [];
      list.push({ name, payload: full } as Omit<BoardEvent, 'room' | 'seq'>);
      pending.set(room, list);
    }
    if (!flushing) {
      flushing = true;
      setImmediate(() => flush().catch((err) => deps.logger.error({ err }, 'board relay failed')));
    }
  }

  const unsubscribe = BOARD_DOMAIN_EVENTS.map((name) =>
    deps.events.on(name, (payload) => {
      relay(name, payload).catch((err) => deps.logger.error({ err, name }, 'board relay failed'));
    }),
  );

  return {
    store,
    async close() {
      for (const off of unsubscribe) off();
      await Promise.all(redisClients.map((c) => (c.isOpen ? c.quit().catch(() => undefined) : undefined)));
    },
  };
}
