import net from 'node:net';

/**
 * A loopback port nothing listens on right now (the kernel's pick, released again): for a service under test, or
 * for a dependency URL that must refuse connections.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
