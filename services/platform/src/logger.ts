import winston from 'winston';
import { trace } from '@opentelemetry/api';

/** The structural logger the kit passes around; winston satisfies it. */
export interface Logger {
  error(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  info(msg: string, meta?: object): void;
  debug(msg: string, meta?: object): void;
  child(meta: object): Logger;
}

// Keys whose values never reach a log line: credentials and personal data.
const SECRET_KEYS = /^(password|new_?password|old_?password|secret|client_?secret|token|access_?token|refresh_?token|id_?token|authorization|cookie|api_?key|private_?key|card|cvc|pan)$/i;
const PERSONAL_KEYS = /^(email|phone|address|address_?line\d?|line\d|postal_?code|first_?name|last_?name|display_?name|ip)$/i;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9\-_.~+/]+=*/g;
const JWT_SHAPE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const EMAIL_SHAPE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Masks secrets and personal data in any value, including inside free text. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(BEARER, '$1[REDACTED]').replace(JWT_SHAPE, '[REDACTED_JWT]').replace(EMAIL_SHAPE, '[REDACTED_EMAIL]');
  }
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1), stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SECRET_KEYS.test(key)) out[key] = '[REDACTED]';
    else if (PERSONAL_KEYS.test(key)) out[key] = '[REDACTED_PII]';
    else out[key] = redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  const cleaned = redact({ ...info }) as Record<string, unknown>;
  for (const key of Object.keys(cleaned)) (info as Record<string, unknown>)[key] = cleaned[key];
  return info;
});

// Adds the active span's ids so a log line can be found from a trace and back.
const traceFormat = winston.format((info) => {
  const span = trace.getActiveSpan();
  if (span) {
    const { traceId, spanId } = span.spanContext();
    info['trace_id'] = traceId;
    info['span_id'] = spanId;
  }
  return info;
});

// Renders one JSON line with a stable key order: ts, level, service, msg, then context.
const lineFormat = winston.format.printf((info) => {
  const { level, message, service, ...rest } = info as Record<string, unknown>;
  const ordered: Record<string, unknown> = { ts: new Date().toISOString(), level, service, msg: message };
  Object.assign(ordered, rest);
  return JSON.stringify(ordered);
});

/** One JSON logger per process: ts, level, service, msg, trace and request ids. */
export function createLogger(service: string, level = 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(traceFormat(), redactFormat(), lineFormat),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  }) as unknown as Logger;
}
