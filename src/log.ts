import { pino, type Logger } from 'pino';

/** Structured JSON logs on stdout: one object per line. */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}

export type { Logger };
