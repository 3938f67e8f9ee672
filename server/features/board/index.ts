// The board feature: its routes, navigation and sockets, wired from the app's dependencies.
import type { AppDeps } from '../../deps.js';
import type { Feature } from '../../shared/http.js';
import { BOARD_ROLES } from './board.access.js';
import { boardRoutes } from './board.routes.js';
import { attachBoardSockets, type BoardSockets } from './board.sockets.js';
import { memoryBoardStore } from './board.store.js';

export function createBoardFeature(deps: AppDeps): Feature {
  let sockets: BoardSockets | null = null;
  const fallbackStore = memoryBoardStore();
  return {
    name: 'board',
    routes: boardRoutes(deps, () => sockets?.store ?? fallbackStore),
    nav: [{ href: '/board', labelKey: 'nav.board', allow: BOARD_ROLES }],
    attachSockets(io) {
      sockets = attachBoardSockets(deps, io);
    },
    async close() {
      await sockets?.close();
    },
  };
}
