import type { Logger as Pino } from 'pino';
import type { Logger } from '../../application/ports/logger.js';

/** The application's narrow `Logger` port over a pino logger. */
export class PinoLogger implements Logger {
  constructor(private readonly pino: Pino) {}

  info(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.pino.info(fields, message);
  }

  warn(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.pino.warn(fields, message);
  }

  error(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.pino.error(fields, message);
  }
}
