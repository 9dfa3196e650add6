// The lab's fault proxy: a TCP proxy per (service, dependency) link, and an HTTP API to break one link at a time, as
// Toxiproxy does. `npm run stack -- --fault-proxy` puts one in front of every dependency of every service, and the
// experiments' network faults go through its API (docs/lab.md). Hand-written on node:net rather than Toxiproxy: that
// is a Go binary and a server of its own, and the faults needed here are four.
import http from 'node:http';
import net from 'node:net';

export const FAULT_MODES = ['none', 'latency', 'timeout', 'reset', 'down'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface LinkFault {
  /**
   * `latency`: every chunk is held `latencyMs` each way; `timeout`: connections stay open but nothing passes (a
   * black hole); `reset`: every open connection and every new one is reset (RST); `down`: nothing listens
   * (connection refused).
   */
  mode: FaultMode;
  latencyMs?: number;
}

export interface Link {
  /** `<service>-><dependency>`, e.g. `order-service->postgres`. */
  name: string;
  listenPort: number;
  target: { host: string; port: number };
  fault: LinkFault;
  connections: number;
}

/**
 * Resets a connection (RST) when it is fully open; one that is connecting or half-closed is only destroyed — a reset
 * of those can leave the handle open (and spinning) without a 'close' event.
 */
function reset(socket: net.Socket) {
  if (socket.readyState === 'open') socket.resetAndDestroy();
  else socket.destroy();
}

class ProxiedLink {
  fault: LinkFault = { mode: 'none' };
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;

  constructor(
    readonly name: string,
    readonly target: { host: string; port: number },
    public listenPort: number,
  ) {}

  async listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private accept(client: net.Socket) {
    if (this.fault.mode === 'reset') return reset(client);
    const upstream = net.connect(this.target);
    const pair = [client, upstream];
    for (const socket of pair) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => {
        this.sockets.delete(socket);
        for (const other of pair) other.destroy();
      });
      socket.on('error', () => undefined);
    }
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Forwards `from` to `to` under the fault in force when each chunk arrives. */
  private pipe(from: net.Socket, to: net.Socket) {
    from.on('data', (chunk) => {
      const { mode, latencyMs = 0 } = this.fault;
      if (mode === 'timeout') return;
      if (mode === 'latency' && latencyMs > 0) {
        // Held chunks keep their order: each waits the same time from its arrival.
        setTimeout(() => to.writable && to.write(chunk), latencyMs);
      } else if (to.writable) to.write(chunk);
    });
  }

  async set(fault: LinkFault): Promise<void> {
    const wasDown = this.fault.mode === 'down';
    this.fault = fault;
    if (fault.mode === 'reset' || fault.mode === 'down') {
      for (const socket of this.sockets) reset(socket);
    }
    if (fault.mode === 'down' && !wasDown) {
      const server = this.server;
      this.server = undefined;
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    } else if (fault.mode !== 'down' && wasDown) {
      await this.listen();
    }
  }

  describe(): Link {
    return {
      name: this.name,
      listenPort: this.listenPort,
      target: this.target,
      fault: this.fault,
      connections: this.sockets.size / 2,
    };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

/** Problems of a fault sent to the API, as one sentence (undefined when it is a fault). */
export function faultProblem(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return 'the body must be a JSON object {mode, latencyMs?}';
  const { mode, latencyMs } = body as Record<string, unknown>;
  if (!FAULT_MODES.includes(mode as FaultMode)) return `mode must be one of ${FAULT_MODES.join(', ')}`;
  if (
    mode === 'latency' &&
    !(Number.isInteger(latencyMs) && (latencyMs as number) > 0 && (latencyMs as number) <= 60_000)
  )
    return 'latency needs latencyMs, a whole number of milliseconds from 1 to 60000';
  return undefined;
}

export interface FaultProxy {
  /** The control API's origin, e.g. `http://127.0.0.1:8474`. */
  url: string;
  links: Map<string, ProxiedLink>;
  /** Starts a link (`<service>-><dependency>`) and answers the port the service must use instead of the target. */
  add(name: string, target: { host: string; port: number }): Promise<number>;
  close(): Promise<void>;
}

/**
 * The proxy's control API, on loopback only:
 * - `GET /links` → every link with its fault;
 * - `PUT /links/<service>-><dependency>` `{mode, latencyMs?}` → that link's fault (`{mode: 'none'}` heals it);
 * - `DELETE /links` → heals every link (the experiments' last rollback).
 * Errors are problem+json, like the services'.
 */
export async function startFaultProxy(port = 0): Promise<FaultProxy> {
  const links = new Map<string, ProxiedLink>();
  const problem = (res: http.ServerResponse, status: number, title: string, detail: string) => {
    res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
  };
  const json = (res: http.ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (url.pathname === '/links' && req.method === 'GET') {
          return json(res, { links: [...links.values()].map((l) => l.describe()) });
        }
        if (url.pathname === '/links' && req.method === 'DELETE') {
          await Promise.all([...links.values()].map((l) => l.set({ mode: 'none' })));
          return json(res, { links: [...links.values()].map((l) => l.describe()) });
        }
        const match = /^\/links\/([^/]+)$/.exec(url.pathname);
        if (!match) return problem(res, 404, 'Not Found', `no route ${req.method} ${url.pathname}`);
        const name = decodeURIComponent(match[1]!);
        const link = links.get(name);
        if (!link) {
          return problem(res, 404, 'Not Found', `no link ${name}; the links are ${[...links.keys()].join(', ')}`);
        }
        if (req.method === 'GET') return json(res, link.describe());
        if (req.method !== 'PUT') return problem(res, 405, 'Method Not Allowed', 'GET or PUT');
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return problem(res, 400, 'Bad Request', 'the body is not JSON');
        }
        const why = faultProblem(body);
        if (why) return problem(res, 400, 'Bad Request', why);
        const { mode, latencyMs } = body as LinkFault;
        await link.set(mode === 'latency' ? { mode, latencyMs } : { mode });
        json(res, link.describe());
      })().catch((error: Error) => problem(res, 500, 'Internal Server Error', error.message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    links,
    async add(name, target) {
      const link = new ProxiedLink(name, target, 0);
      await link.listen();
      links.set(name, link);
      return link.listenPort;
    },
    async close() {
      await Promise.all([...links.values()].map((l) => l.close()));
      // Keep-alive connections of API clients would hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
