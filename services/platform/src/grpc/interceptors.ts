import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { SpanKind, SpanStatusCode, context, propagation, trace, type TextMapGetter } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';
import { DomainError, toDomainError } from '../errors.js';
import { checkAccess, type AccessRule, type TokenVerifier } from '../auth.js';
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
 * Verifies the bearer token when one is sent (an invalid one is always rejected, even
 * on public methods) and enforces the method's access rule: 401 without a needed
 * identity, 403 without a needed permission. It runs before the handler, so a caller
 * without permission learns nothing, not even whether a resource exists.
 */
export function authenticate(verifier: TokenVerifier | null, rules: Readonly<Record<string, AccessRule>>): Interceptor {
  return (next) => async (req, ctx) => {
    const header = ctx.metadata.get('authorization')[0];
    const rule = rules[ctx.method];
    // HTTP Basic on a public method is OAuth2 client authentication (RFC 6749 section
    // 2.3.1: the token and revocation endpoints), which the handler checks; it names
    // no caller. On any other method it is refused below like any non-Bearer header.
    const clientAuthentication = typeof header === 'string' && /^Basic\s/i.test(header) && rule !== undefined && 'public' in rule;
    if (typeof header === 'string' && header.length > 0 && !clientAuthentication) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new DomainError('unauthenticated', 'INVALID_TOKEN', 'authorization must be "Bearer <token>"');
      if (!verifier) throw new DomainError('unavailable', 'JWKS_UNAVAILABLE', 'cannot verify tokens right now; try again');
      ctx.caller = await verifier.verify(match[1]!);
    }
    if (!rule) throw new DomainError('internal', 'NO_ACCESS_RULE', 'internal error');
    checkAccess(rule, ctx.caller);
    return next(req, ctx);
  };
}

/** Reads or assigns the request id that ties logs of one call together across services. */
export function requestIdOf(metadata: Metadata): string {
  const given = metadata.get('x-request-id')[0];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * The client's IP address as the edge saw it. Envoy (use_remote_address, no trusted
 * hops) sets x-envoy-external-address for external clients and appends the peer it
 * saw to x-forwarded-for, after stripping any client-sent x-envoy-external-address
 * (envoy/render.ts). So: that header, else the last x-forwarded-for hop (the one
 * Envoy wrote; earlier hops are the client's word), else the gRPC peer (a direct
 * call from inside the mesh). Internal callers can set these headers too; service
 * ports are not published, which is what makes trusting them reasonable.
 */
export function clientIpOf(metadata: Metadata, peer: string): string {
  const external = metadata.get('x-envoy-external-address')[0];
  if (typeof external === 'string' && isIp(external.trim())) return unmapped(external.trim());
  const forwarded = metadata.get('x-forwarded-for').filter((v): v is string => typeof v === 'string').join(',');
  const last = forwarded.split(',').map((hop) => hop.trim()).filter(Boolean).pop();
  if (last && isIp(last)) return unmapped(last);
  return unmapped(peerIp(peer));
}

/** "::ffff:1.2.3.4" (an IPv4 client on a dual-stack socket) -> "1.2.3.4", so one client has one key. */
const unmapped = (ip: string) => (/^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip);

/** The address part of a grpc-js peer string: "ipv4:1.2.3.4:5", "ipv6:[::1]:5", "1.2.3.4:5". */
export function peerIp(peer: string): string {
  const bare = peer.replace(/^(ipv4|ipv6):/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(bare);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(bare);
  if (v4) return v4[1]!;
  return isIp(bare) ? bare : 'unknown';
}

const isIp = (value: string) => isIP(value) !== 0;

/** The caller's User-Agent, capped: it is client-controlled and ends up in audit events. */
export function userAgentOf(metadata: Metadata): string {
  const value = metadata.get('user-agent')[0];
  return typeof value === 'string' ? value.slice(0, 256) : '';
}

/** Composes interceptors so the first one listed runs outermost. */
export function chain(handler: UnaryHandler<unknown, unknown>, interceptors: Interceptor[]): UnaryHandler<unknown, unknown> {
  return interceptors.reduceRight((next, interceptor) => interceptor(next), handler);
}

export type { CallContext };
