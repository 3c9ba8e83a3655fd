import type { Logger } from '../../src/application/ports/logger.js';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A `Logger` that keeps what it is told, so tests can assert that a failure was reported. */
export class TestLogger implements Logger {
  readonly entries: LogEntry[] = [];

  info(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.entries.push({ level: 'info', message, fields });
  }

  warn(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.entries.push({ level: 'warn', message, fields });
  }

  error(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.entries.push({ level: 'error', message, fields });
  }

  at(level: LogEntry['level']): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level);
  }
}
