/** The narrow logging port the application reports background failures through. */
export interface Logger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** `fields.err` carries the error, so structured logs get its type, message and stack. */
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}
