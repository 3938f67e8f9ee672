// Mocha root hooks: close the shared test database at the end, and refuse any network call leaving this machine.
import dns from 'node:dns';
import net from 'node:net';
import { closeTestDb } from './db.js';

const LOCAL = /^(127\.|::1$|localhost$|::ffff:127\.)/;

// Tests never reach the internet: a connection to anything but loopback fails loudly.
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string;
  const host =
    typeof first === 'object' && first !== null
      ? first.host
      : typeof args[1] === 'string'
        ? args[1]
        : undefined;
  const isPipe = typeof first === 'object' && first !== null && 'path' in first && first.path;
  if (!isPipe && host && !LOCAL.test(host)) {
    throw new Error(
      `Tests must not reach the network: connection to ${host} refused by test/helpers/root-hooks.ts`,
    );
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
dns.setDefaultResultOrder('ipv4first');

export const mochaHooks = {
  async afterAll() {
    await closeTestDb();
  },
};
