import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, context, propagation, trace, type TextMapGetter } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';
import { DomainError, toDomainError } from '../errors.js';
import type { AccessRule, TokenVerifier } from '../auth.js';
import { methodLabels, rpcDuration, rpcHandled } from '../metrics.js';
import type { CallContext, Interceptor, UnaryHandler } from './context.js';

const tracer = trace.getTracer('shopmesh');

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((v): v is string => typeof v === 'string');
    return values.length > 1 ? values : values[0];
  },
};

/** Runs the handler inside a server span continuing the caller's traceparent. */
export const tracing: Interceptor = (next) => async (req, ctx) => {
  const parent = propagation.extract(context.active(), ctx.metadata, metadataGetter);
  return tracer.startActiveSpan(ctx.method.slice(1), { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'request.id': ctx.requestId } }, parent, async (span) => {
    try {
      return await next(req, ctx);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: toDomainError(err).code });
      throw err;
    } finally {
      span.end();
    }
  });
};

/** Logs each call once with its outcome and duration, and records RED metrics. */
export const observe: Interceptor = (next) => async (req, ctx) => {
  const started = process.hrtime.bigint();
  const labels = methodLabels(ctx.method);
  let code = 'OK';
  try {
    return await next(req, ctx);
  } catch (err) {
    const domain = toDomainError(err);
    code = domain.code.toUpperCase();
    if (domain.code === 'internal') ctx.logger.error('rpc failed', { method: ctx.method, err });
    throw err;
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rpcDuration.observe(labels, seconds);
    rpcHandled.inc({ ...labels, grpc_code: code });
    ctx.logger.info('rpc', { method: ctx.method, code, duration_ms: Math.round(seconds * 1e4) / 10, user_id: ctx.caller?.userId });
  }
};

/**
 * Verifies the bearer token when one is sent (an invalid one is always rejected) and
 * enforces the method's access rule: 401 without a needed identity, 403 without a
 * needed role. Permission is checked before the handler can say "not found".
 */
export function authenticate(verifier: TokenVerifier | null, rules: Record<string, AccessRule>): Interceptor {
  return (next) => async (req, ctx) => {
    const header = ctx.metadata.get('authorization')[0];
    if (typeof header === 'string' && header.length > 0) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new DomainError('unauthenticated', 'INVALID_TOKEN', 'authorization must be "Bearer <token>"');
      if (!verifier) throw new DomainError('unavailable', 'JWKS_UNAVAILABLE', 'cannot verify tokens right now; try again');
      ctx.caller = await verifier.verify(match[1]!);
    }
    const rule = rules[ctx.method];
    if (!rule) throw new DomainError('internal', 'NO_ACCESS_RULE', 'internal error');
    if ('authenticated' in rule || 'anyRole' in rule) {
      if (!ctx.caller) throw new DomainError('unauthenticated', 'TOKEN_REQUIRED', 'this method needs a bearer access token');
    }
    if ('anyRole' in rule && !ctx.caller!.roles.some((r) => rule.anyRole.includes(r))) {
      throw new DomainError('permission_denied', 'ROLE_REQUIRED', `this method needs one of the roles: ${rule.anyRole.join(', ')}`);
    }
    return next(req, ctx);
  };
}

/** Reads or assigns the request id that ties logs of one call together across services. */
export function requestIdOf(metadata: Metadata): string {
  const given = metadata.get('x-request-id')[0];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Composes interceptors so the first one listed runs outermost. */
export function chain(handler: UnaryHandler<unknown, unknown>, interceptors: Interceptor[]): UnaryHandler<unknown, unknown> {
  return interceptors.reduceRight((next, interceptor) => interceptor(next), handler);
}

export type { CallContext };
