// Structured JSON logs (pino) with secrets redacted wherever they might appear. Logs go to stderr, so a
// command's machine output (`crr verify --json`) is alone on stdout.
import { destination as fileDestination, pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const redactPaths = [
  'accessKeyId', 'accessKeySecret', 'secret', 'password', 'token', 'authorization', 'signature',
  '*.accessKeyId', '*.accessKeySecret', '*.secret', '*.password', '*.token', '*.authorization', '*.signature',
  'headers.authorization', 'req.headers.authorization', 'req.headers["x-crr-token"]',
];

export function createLogger(name: string, level = 'info', destination?: NodeJS.WritableStream): Logger {
  const to = (destination as DestinationStream | undefined) ?? fileDestination({ fd: 2, sync: true });
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } }, to);
}
