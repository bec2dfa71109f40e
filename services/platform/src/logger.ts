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

// Keys whose values never reach a log line: credentials and personal data. Matched on
// the key with separators removed, so x-api-key, api_key and apiKey all count.
const SECRET_KEY = /password|secret|token|authorization|cookie|apikey|privatekey|card|cvc|cvv|iban|^pan$/;
const PERSONAL_KEY = /email|phone|address|line\d|postalcode|zip|firstname|lastname|displayname|fullname|birth|^ip$/;
const BEARER = /\b((?:Bearer|Basic)\s+)[A-Za-z0-9\-_.~+/]+=*/gi;
const JWT_SHAPE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const EMAIL_SHAPE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Payment providers' keys and webhook secrets (Stripe sk_/rk_, whsec_), which their
// error messages may quote.
const PROVIDER_KEY_SHAPE = /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=_-]+/g;
const MAX_DEPTH = 6;

/** Masks secrets and personal data in any value, including inside free text and stacks. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(BEARER, '$1[REDACTED]').replace(JWT_SHAPE, '[REDACTED_JWT]').replace(EMAIL_SHAPE, '[REDACTED_EMAIL]').replace(PROVIDER_KEY_SHAPE, '[REDACTED_KEY]');
  }
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any log context we write: drop it rather than risk an unmasked secret.
  if (depth > MAX_DEPTH) return '[TRUNCATED]';
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1), stack: redact(value.stack, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const normalized = key.toLowerCase().replace(/[-_\s]/g, '');
    if (SECRET_KEY.test(normalized)) out[key] = '[REDACTED]';
    else if (PERSONAL_KEY.test(normalized)) out[key] = '[REDACTED_PII]';
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

type Level = 'error' | 'warn' | 'info' | 'debug';

/**
 * The kit's logger over one winston logger. winston runs its formats (trace ids,
 * redaction, JSON) on every line before its transport drops lines below the level,
 * and builds a logger object per child; on a hot path that is most of a call's
 * logging cost even at level warn. So: the level is checked first, and a child is
 * only its context, merged into the line when one is written.
 */
class GatedLogger implements Logger {
  constructor(private readonly root: winston.Logger, private readonly context: object | null) {}

  error(msg: string, meta?: object): void { this.write('error', msg, meta); }
  warn(msg: string, meta?: object): void { this.write('warn', msg, meta); }
  info(msg: string, meta?: object): void { this.write('info', msg, meta); }
  debug(msg: string, meta?: object): void { this.write('debug', msg, meta); }

  child(meta: object): Logger {
    return new GatedLogger(this.root, this.context ? { ...this.context, ...meta } : meta);
  }

  private write(level: Level, msg: string, meta: object | undefined): void {
    if (!this.root.isLevelEnabled(level)) return;
    // The line's own fields win over the child's context, as with winston's children.
    this.root.log(level, msg, this.context ? { ...this.context, ...meta } : meta);
  }
}

/** One JSON logger per process: ts, level, service, msg, trace and request ids. */
export function createLogger(service: string, level = 'info'): Logger {
  const root = winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(traceFormat(), redactFormat(), lineFormat),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
  return new GatedLogger(root, null);
}
