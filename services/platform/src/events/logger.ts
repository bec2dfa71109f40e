/**
 * The logging surface the event plumbing needs. Structural so services can
 * pass their winston logger (or a test double) without this module depending
 * on winston.
 */
export interface Logger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
}

/** Turns an unknown thrown value into loggable fields, since `catch` gives us `unknown`. */
export function errorMeta(err: unknown): { error: string; stack?: string } {
  if (err instanceof Error) return { error: err.message, stack: err.stack };
  return { error: String(err) };
}
