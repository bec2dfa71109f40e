import { Client, Metadata, credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { context, propagation } from '@opentelemetry/api';
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

const RETRYABLE = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED]);
// Failures that say the downstream is unhealthy (not that the request was wrong).
const BREAKER_COUNTS = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN]);

function grpcCodeOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && typeof (err as ServiceError).code === 'number' ? (err as ServiceError).code : undefined;
}

/**
 * Builds a typed client for one downstream: one channel, a deadline on every call,
 * traceparent / request id / identity propagated, and cockatiel policies (bulkhead,
 * circuit breaker, retry with backoff for idempotent methods, overall timeout).
 */
export function createServiceClient<D extends UnaryServiceDefinition>(definition: D, options: ClientOptions<D>): ServiceClient<D> {
  const channel = new Client(options.address, credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.enable_retries': 0, // cockatiel decides what is retried
  });
  const timeoutMs = options.timeoutMs ?? 5_000;
  const breaker = circuitBreaker(handleWhen((err) => BREAKER_COUNTS.has(grpcCodeOf(err) ?? -1)), {
    halfOpenAfter: 5_000,
    breaker: new ConsecutiveBreaker(5),
  });
  const limiter = bulkhead(options.maxConcurrent ?? 100, options.maxQueued ?? 200);
  const retrying = retry(handleWhen((err) => RETRYABLE.has(grpcCodeOf(err) ?? -1)), {
    maxAttempts: 2,
    backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }),
  });
  const idempotent = new Set(options.idempotent ?? []);
  const client = { close: () => channel.close() } as Record<string, unknown>;

  for (const key of Object.keys(definition)) {
    const method = definition[key]!;
    const policy: IPolicy = idempotent.has(key) ? wrap(limiter, retrying, breaker) : wrap(limiter, breaker);
    client[key] = async (req: unknown, call: CallOptions = {}) => {
      const perAttemptMs = Math.min(call.timeoutMs ?? timeoutMs, remainingMs(call.ctx) ?? Infinity);
      const overall = timeout(perAttemptMs * (idempotent.has(key) ? 3 : 1), TimeoutStrategy.Aggressive);
      try {
        const response = await wrap(overall, policy).execute(({ signal }) => invoke(channel, method, req, metadataFor(call), perAttemptMs, signal));
        clientHandled.inc({ ...methodLabels(method.path), grpc_code: 'OK' });
        return response;
      } catch (err) {
        throw translateFailure(err, options.name, method.path);
      }
    };
  }
  return client as ServiceClient<D>;
}

function invoke<Req, Res>(channel: Client, method: UnaryMethod<Req, Res>, req: Req, metadata: Metadata, deadlineMs: number, signal: AbortSignal): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const call = channel.makeUnaryRequest(
      method.path, method.requestSerialize, method.responseDeserialize, req, metadata,
      { deadline: Date.now() + deadlineMs },
      (err, res) => (err ? reject(err) : resolve(res as Res)),
    );
    signal.addEventListener('abort', () => call.cancel(), { once: true });
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

function remainingMs(ctx: CallContext | undefined): number | undefined {
  return ctx?.deadline ? Math.max(1, ctx.deadline.getTime() - Date.now()) : undefined;
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
