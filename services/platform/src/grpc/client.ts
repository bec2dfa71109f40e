import { Client, Metadata, credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import {
  BrokenCircuitError, BulkheadRejectedError, ConsecutiveBreaker, ExponentialBackoff, TaskCancelledError, TimeoutStrategy,
  bulkhead, circuitBreaker, handleWhen, retry, timeout, wrap, type IPolicy,
} from 'cockatiel';
import { DomainError } from '../errors.js';
import { clientHandled, methodLabels } from '../metrics.js';
import type { CallContext, RequestOf, ResponseOf, UnaryMethod } from './context.js';
import type { UnaryServiceDefinition } from './server.js';

/** Per-call options: the calling context whose identity, trace and request id travel on. */
export interface CallOptions {
  ctx?: CallContext;
  /** Overrides the client's default deadline for this call. */
  timeoutMs?: number;
  /** Sends this bearer token instead of the caller's (service accounts). */
  token?: string;
}

/** A promise-returning client with every method of a generated service definition. */
export type ServiceClient<D> = { [K in keyof D]: (req: RequestOf<D[K]>, options?: CallOptions) => Promise<ResponseOf<D[K]>> } & {
  close(): void;
};

export interface ClientOptions<D> {
  /** Name of the downstream in logs and metrics. */
  name: string;
  address: string;
  /** Default deadline per attempt. */
  timeoutMs?: number;
  /** Methods safe to repeat (reads and idempotency-keyed writes): only these are retried. */
  idempotent?: ReadonlyArray<keyof D>;
  /** Concurrent calls allowed to this downstream, and how many may wait. */
  maxConcurrent?: number;
  maxQueued?: number;
}

const tracer = trace.getTracer('shopmesh');

const RETRYABLE = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED]);
// Failures that say the downstream is unhealthy (not that the request was wrong).
const BREAKER_COUNTS = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN]);

function grpcCodeOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && typeof (err as ServiceError).code === 'number' ? (err as ServiceError).code : undefined;
}

/**
 * Builds a typed client for one downstream: one channel, a deadline on every call,
 * traceparent / request id / identity propagated, and cockatiel policies (bulkhead,
 * circuit breaker, one retry with backoff for idempotent methods while the caller
 * still waits, a timeout per attempt).
 */
export function createServiceClient<D extends UnaryServiceDefinition>(definition: D, options: ClientOptions<D>): ServiceClient<D> {
  const channel = new Client(options.address, credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.enable_retries': 0, // cockatiel decides what is retried
    'grpc.enable_channelz': 0, // nothing reads channelz; it costs on every call
  });
  const timeoutMs = options.timeoutMs ?? 5_000;
  const breaker = circuitBreaker(handleWhen((err) => BREAKER_COUNTS.has(grpcCodeOf(err) ?? -1)), {
    halfOpenAfter: 5_000,
    breaker: new ConsecutiveBreaker(5),
  });
  const limiter = bulkhead(options.maxConcurrent ?? 100, options.maxQueued ?? 200);
  const idempotent = new Set(options.idempotent ?? []);
  const client = { close: () => channel.close() } as Record<string, unknown>;

  for (const key of Object.keys(definition)) {
    const method = definition[key]!;
    // Streaming methods are called with grpc-js directly; the policies here are per request.
    if (method.responseStream) continue;
    const retryable = idempotent.has(key);
    client[key] = (req: unknown, call: CallOptions = {}) =>
      // A client span per call; its context is what travels on as traceparent.
      tracer.startActiveSpan(method.path.slice(1), { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'peer.service': options.name } }, async (span) => {
        const attemptMs = call.timeoutMs ?? timeoutMs;
        const callerDeadline = call.ctx?.deadline?.getTime() ?? Infinity;
        const metadata = metadataFor(call);
        // Each attempt gets the smaller of its own budget and what the caller has left;
        // a retry is only worth making while the caller is still waiting.
        const attempt = (signal: AbortSignal) => {
          const ms = Math.min(attemptMs, callerDeadline - Date.now());
          if (ms <= 0) throw new DomainError('deadline_exceeded', 'DEADLINE_EXCEEDED', `the caller's deadline passed before ${options.name} could answer`, { downstream: options.name });
          // The grpc deadline ends the attempt; cockatiel's timeout is the backstop if the channel hangs.
          return timeout(ms + 250, TimeoutStrategy.Aggressive).execute((_, inner) => invoke(channel, method, req, metadata, ms, inner), signal);
        };
        const policy: IPolicy = retryable
          ? wrap(limiter, retry(handleWhen((err) => RETRYABLE.has(grpcCodeOf(err) ?? -1) && Date.now() < callerDeadline), { maxAttempts: 1, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) }), breaker)
          : wrap(limiter, breaker);
        try {
          // A signal per call: cockatiel's shared default signal would collect one abort
          // listener per in-flight call.
          const response = await policy.execute(({ signal }) => attempt(signal), new AbortController().signal);
          clientHandled.inc({ ...methodLabels(method.path), grpc_code: 'OK' });
          return response;
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw translateFailure(err, options.name, method.path);
        } finally {
          span.end();
        }
      });
  }
  return client as ServiceClient<D>;
}

function invoke<Req, Res>(channel: Client, method: UnaryMethod<Req, Res>, req: Req, metadata: Metadata, deadlineMs: number, signal: AbortSignal): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const call = channel.makeUnaryRequest(
      method.path, method.requestSerialize, method.responseDeserialize, req, metadata,
      { deadline: Date.now() + deadlineMs },
      (err, res) => {
        signal.removeEventListener('abort', cancel);
        if (err) reject(err);
        else resolve(res as Res);
      },
    );
    const cancel = () => call.cancel();
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  });
}

function metadataFor(call: CallOptions): Metadata {
  const metadata = new Metadata();
  const token = call.token ?? call.ctx?.caller?.token;
  if (token) metadata.set('authorization', `Bearer ${token}`);
  if (call.ctx) metadata.set('x-request-id', call.ctx.requestId);
  propagation.inject(context.active(), metadata, { set: (carrier, key, value) => carrier.set(key, value) });
  return metadata;
}

function translateFailure(err: unknown, downstream: string, path: string): unknown {
  const labels = methodLabels(path);
  if (err instanceof BrokenCircuitError || err instanceof BulkheadRejectedError) {
    clientHandled.inc({ ...labels, grpc_code: 'UNAVAILABLE' });
    return new DomainError('unavailable', 'DOWNSTREAM_UNAVAILABLE', `${downstream} is unavailable; try again shortly`, { downstream });
  }
  if (err instanceof TaskCancelledError) {
    clientHandled.inc({ ...labels, grpc_code: 'DEADLINE_EXCEEDED' });
    return new DomainError('deadline_exceeded', 'DOWNSTREAM_TIMEOUT', `${downstream} did not answer in time`, { downstream });
  }
  const code = grpcCodeOf(err);
  clientHandled.inc({ ...labels, grpc_code: code === undefined ? 'UNKNOWN' : GrpcStatus[code] ?? String(code) });
  return err;
}
