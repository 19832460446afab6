// Loopback ports for tests and benchmarks that start servers by number (child processes, restarts).
import { createServer } from 'node:net';

/** A TCP port that was free a moment ago (the OS picks it; we close it and hand it on). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
