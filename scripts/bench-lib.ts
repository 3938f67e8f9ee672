// What the HTTP benchmarks share: the product served from a process of its own, and a light signed-in client.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../server/config.js';

export interface Proc {
  url: string;
  child: ChildProcess;
}

/** Starts a script under tsx and resolves once it prints "serving at <url>". */
export function spawnServer(script: string[], env: Record<string, string | undefined>): Promise<Proc> {
  // BENCH_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', ...script], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

/**
 * The product as `npm start` runs it, in production mode, on a free port. Requests are logged at `warn` and up
 * only (a log line per request would measure the terminal); sign-in limits are lifted for the many callers.
 */
export function productServer(databaseUrl: string, env: Record<string, string> = {}): Promise<Proc> {
  return spawnServer([path.join('server', 'index.ts')], {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: '',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    LOGIN_ATTEMPTS: '100000',
    SESSION_SECRET: 'bench-session-secret-bench',
    ...env,
  });
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
export function cpuMs(p: Proc): number {
  return processCpuMs(p.child.pid!);
}

/** CPU time (user + system, all threads) of any process by its pid, in ms, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in ticks of 10 ms.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function stop(p: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });
}

/**
 * One caller's browser, reduced to what the benchmarks need: cookies, the CSRF token, one kept-alive connection.
 * node:http rather than fetch: fetch costs several times more CPU per request, and the client shares the
 * machine with the server it measures.
 */
export class HttpCaller {
  private readonly cookies = new Map<string, string>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  csrf = '';

  constructor(readonly base: string) {}

  request(
    method: string,
    url: string,
    body?: string,
    type = 'application/json',
  ): Promise<{ status: number; text: string }> {
    return this.send(method, url, body, type).catch((err: Error & { reused?: boolean; code?: string }) => {
      // The server may close a kept-alive connection that sat idle just as a request sets out on it (Node's
      // documented race): such a request never reached the server, so it is sent once more.
      if (err.reused && err.code === 'ECONNRESET') return this.send(method, url, body, type);
      throw err;
    });
  }

  private send(
    method: string,
    url: string,
    body: string | undefined,
    type: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-csrf-token': this.csrf,
        accept: 'application/json',
      };
      if (body !== undefined) {
        headers['content-type'] = type;
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const req = http.request(this.base + url, { method, headers, agent: this.agent }, (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const pair = c.split(';')[0]!;
          const i = pair.indexOf('=');
          this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
        }
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const token = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
          if (token) this.csrf = token[1]!;
          resolve({ status: res.statusCode ?? 0, text });
        });
        res.on('error', reject);
      });
      req.on('error', (err) => reject(Object.assign(err, { reused: req.reusedSocket })));
      req.end(body);
    });
  }

  async postJson<T = unknown>(
    url: string,
    body: unknown,
  ): Promise<{ status: number; json: T; text: string }> {
    const res = await this.request('POST', url, JSON.stringify(body));
    return { status: res.status, json: JSON.parse(res.text) as T, text: res.text };
  }

  async signIn(username: string, password: string): Promise<this> {
    await this.request('GET', '/login');
    const form = new URLSearchParams({ username, password, _csrf: this.csrf }).toString();
    const r = await this.request('POST', '/login', form, 'application/x-www-form-urlencoded');
    if (r.status !== 303) throw new Error(`sign-in ${username}: ${r.status}`);
    await this.request('GET', '/');
    return this;
  }

  get cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  close(): void {
    this.agent.destroy();
  }
}
