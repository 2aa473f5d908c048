// Listening and graceful shutdown: stop accepting, let in-flight responses finish within the
// grace period, close idle keep-alive connections, then force-close what remains.

import type { AddressInfo, Server } from 'node:net';
import { ConfigError } from '../errors/http-error';
import type { Listener } from './listener';

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new ConfigError(`--port ${port} is already in use on ${host}`));
      else if (error.code === 'EACCES') reject(new ConfigError(`--port ${port} on ${host}: permission denied`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(new ConfigError(`--host ${host} cannot be resolved or is not an address of this machine`));
      } else reject(new ConfigError(`cannot listen on ${host}:${port} (${error.code ?? error.message})`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Closes the server gracefully. Resolves once every connection is gone: naturally when in-flight
 * responses end, or forcibly after `gracePeriodMs`.
 */
export function drain(listener: Listener, gracePeriodMs: number): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive connections go idle only after their current response; sweep until all are gone.
    const sweep = setInterval(() => listener.closeIdleConnections(), 100);
    const force = setTimeout(() => listener.closeAllConnections(), gracePeriodMs);
    listener.server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    listener.closeIdleConnections();
  });
}
