// Starts the HTTP server and socket.io around the app; used by server/index.ts and by the tests (port 0).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { createApp, type App } from './app.js';
import type { AppDeps } from './deps.js';

export interface RunningServer {
  url: string;
  port: number;
  app: App;
  httpServer: http.Server;
  io: SocketServer;
  close(): Promise<void>;
}

export class PortInUseError extends Error {}

export async function startServer(
  deps: AppDeps,
  port = deps.config.port,
  host = deps.config.host,
): Promise<RunningServer> {
  const app = await createApp(deps);
  const httpServer = http.createServer(app.app);
  const io = new SocketServer(httpServer, { serveClient: true, transports: ['websocket', 'polling'] });
  // Socket connections carry the same sign-in as pages: the session middleware runs on the handshake.
  io.engine.use(app.sessionMiddleware);
  for (const f of app.features) f.attachSockets?.(io);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new PortInUseError(
            `Port ${port} is already in use. Stop the other program or set PORT to a free port, e.g. PORT=3001 npm start.`,
          ),
        );
      } else reject(err);
    });
    httpServer.listen(port, host, () => resolve());
  });
  const actual = (httpServer.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${actual}`,
    port: actual,
    app,
    httpServer,
    io,
    async close() {
      // io.close() disconnects the sockets and starts the HTTP server's close; ending the remaining keep-alive
      // and in-flight connections right away keeps a browser's open requests from holding the close up.
      const closed = new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeAllConnections();
      await closed;
      await app.close();
    },
  };
}
