/**
 * serve-env over loopback TCP: 127.0.0.1 only (the protocol has no
 * authentication), any number of connections, each with its own session and
 * environments, closed when its socket closes. Stops when `stop` aborts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { EnvServer } from './env-server.js';
import { serveLines, writeLine } from './stdio-transport.js';

export const LOOPBACK_HOST = '127.0.0.1';

export interface TcpOptions {
  /** 0 picks a free port. */
  port: number;
  /** Called once listening, with the port taken. */
  onListening: (address: { host: string; port: number }) => void;
  /** Aborting stops listening, ends every connection and resolves serveTcp. */
  stop: AbortSignal;
  /** Where a connection's failure is reported (it never stops the server); default stderr. */
  log?: (message: string) => void;
}

export async function serveTcp(server: EnvServer, options: TcpOptions): Promise<void> {
  const log = options.log ?? ((message: string) => void process.stderr.write(`sspe serve-env: ${message}\n`));
  const sessions = new Set<Promise<void>>();
  const tcp: Server = createServer((socket) => {
    // A client that vanishes mid-answer (ECONNRESET, EPIPE) ends its session only.
    socket.on('error', (error) => log(`connection ${socket.remoteAddress}:${socket.remotePort}: ${error.message}`));
    // A socket can close without an 'end' (a reset), which readline would wait on forever.
    const ended = AbortSignal.any([options.stop, closedSignal(socket)]);
    const served = serveLines(server, { input: socket, write: (line) => writeLine(socket, (text) => socket.write(text), line), stop: ended })
      .catch((error: unknown) => log(`connection ended with an error: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        sessions.delete(served);
        socket.destroy();
      });
    sessions.add(served);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ port: options.port, host: LOOPBACK_HOST }, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const address = tcp.address();
  if (address === null || typeof address === 'string') throw new Error(`expected a TCP address after listen, got ${String(address)}`);
  options.onListening({ host: LOOPBACK_HOST, port: address.port });
  await new Promise<void>((resolve) => {
    if (options.stop.aborted) resolve();
    else options.stop.addEventListener('abort', () => resolve(), { once: true });
  });
  const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
  // `stop` has ended every session's loop; each closes its environments, then its socket.
  await Promise.all(sessions);
  await closed;
}

function closedSignal(socket: Socket): AbortSignal {
  const controller = new AbortController();
  socket.once('close', () => controller.abort());
  return controller.signal;
}
