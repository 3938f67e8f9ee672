// A board socket for tests and the benchmark: connects with a signed-in cookie, joins a room, waits for events.
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  BoardEvent,
  BoardScope,
  BoardSnapshot,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../server/features/board/board.events.js';

export type BoardClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Opens a /board socket carrying the given cookie header; rejects with the server's refusal message. */
export function connectBoard(baseUrl: string, cookie: string): Promise<BoardClientSocket> {
  const socket: BoardClientSocket = io(`${baseUrl}/board`, {
    transports: ['websocket'],
    extraHeaders: { cookie },
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export function joinBoard(socket: BoardClientSocket, scope: BoardScope): Promise<Ack<BoardSnapshot>> {
  return socket.timeout(10_000).emitWithAck('board:join', scope);
}

/** The next 'board:event' matching a test, or a rejection after a while. */
export function nextBoardEvent(
  socket: BoardClientSocket,
  matches: (e: BoardEvent) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<BoardEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('board:event', onEvent);
      reject(new Error('no matching board event arrived'));
    }, timeoutMs);
    function onEvent(events: BoardEvent[]) {
      const e = events.find(matches);
      if (!e) return;
      clearTimeout(timer);
      socket.off('board:event', onEvent);
      resolve(e);
    }
    socket.on('board:event', onEvent);
  });
}

/** The signed-in cookie header a TestClient holds, for a socket to present at its handshake. */
export function cookieOf(client: { request: unknown }): string {
  return (client as unknown as { cookieHeader(): string }).cookieHeader();
}
