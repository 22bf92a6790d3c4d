// A free TCP port on 127.0.0.1 for a server the scripts start (e2e, canvas benchmark).
import { createServer } from 'node:net';

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}
