// Structured JSON logs (pino) with secrets redacted wherever they might appear.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const redactPaths = [
  'accessKeyId', 'accessKeySecret', 'secret', 'password', 'token', 'authorization', 'signature',
  '*.accessKeyId', '*.accessKeySecret', '*.secret', '*.password', '*.token', '*.authorization', '*.signature',
  'headers.authorization', 'req.headers.authorization', 'req.headers["x-crr-token"]',
];

export function createLogger(name: string, level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination as DestinationStream | undefined);
}
