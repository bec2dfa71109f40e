import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { toDomainError, toServiceError } from '../errors.js';
import { isAccessRule, type AccessRule, type TokenVerifier } from '../auth.js';
import type { Logger } from '../logger.js';
import { addReflection } from './reflection.js';
import { encodingOnce } from './reusable.js';
import { authenticate, chain, clientIpOf, observe, requestIdOf, tracing, userAgentOf } from './interceptors.js';
import type { CallContext, Interceptor, ServerStreamMethod, ServiceHandlers, StreamHandler, UnaryHandler, UnaryMethod } from './context.js';

/** A generated service definition whose methods are unary or server-streaming. */
export type UnaryServiceDefinition = Record<string, UnaryMethod<any, any> | ServerStreamMethod<any, any>>;

/** An access rule for every method of a service definition; the types let none be missing. */
export type AccessTable<D> = { readonly [K in keyof D]: AccessRule };

/** One service to serve: the generated definition, its handlers and an access rule per method. */
export interface ServiceRegistration<D extends UnaryServiceDefinition> {
  definition: D;
  handlers: ServiceHandlers<D>;
  access: AccessTable<D>;
}

export interface GrpcHostOptions {
  logger: Logger;
  /** Verifies bearer tokens; null only for identity before its keys exist. */
  verifier: TokenVerifier | null;
  /** Extra interceptors, innermost; the kit's own (tracing, logging, metrics, auth) wrap them. */
  interceptors?: Interceptor[];
}

/**
 * A gRPC server with the kit around every handler: request id, tracing, logging,
 * metrics, authentication and access rules, and one mapping of errors to gRPC status
 * with google.rpc details. Health checking and server reflection are always on.
 */
export class GrpcHost {
  // channelz stays on here (unlike clients): grpc-js 1.14 only tracks the sessions that
  // forceShutdown cuts when it is, so without it a shutdown would wait for every call.
  readonly server = new Server({ 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private readonly serviceNames: string[] = [];
  private port = 0;

  constructor(private readonly options: GrpcHostOptions) {
    this.health.addToServer(this.server);
    const descriptor = findRepoFile('envoy/descriptor.binpb');
    if (descriptor) addReflection(this.server, descriptor, () => this.serviceNames);
    else options.logger.warn('no descriptor set found; server reflection is off (run npm run gen)');
  }

  add<D extends UnaryServiceDefinition>(registration: ServiceRegistration<D>): this {
    const rules: Record<string, AccessRule> = {};
    const impl: UntypedServiceImplementation = {};
    for (const key of Object.keys(registration.definition)) {
      const method = registration.definition[key]!;
      const rule: unknown = registration.access[key as keyof D];
      // Refuse to serve rather than serve a method nobody decided about.
      if (!isAccessRule(rule)) throw new Error(`no valid access rule for ${method.path}: ${JSON.stringify(rule)}`);
      rules[method.path] = rule;
    }
    const interceptors = [tracing, observe, authenticate(this.options.verifier, rules), ...(this.options.interceptors ?? [])];
    for (const key of Object.keys(registration.definition)) {
      const method = registration.definition[key]!;
      const contextOf = (call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>): CallContext => {
        const requestId = requestIdOf(call.metadata);
        return {
          method: method.path,
          requestId,
          metadata: call.metadata,
          deadline: deadlineOf(call),
          clientIp: clientIpOf(call.metadata, call.getPeer()),
          userAgent: userAgentOf(call.metadata),
          caller: null,
          logger: this.options.logger.child({ request_id: requestId }),
        };
      };
      if (method.responseStream) {
        impl[key] = this.streaming(registration.handlers[key as keyof D] as StreamHandler<unknown, unknown>, interceptors, contextOf);
        continue;
      }
      const handler = chain(registration.handlers[key as keyof D] as UnaryHandler<unknown, unknown>, interceptors);
      impl[key] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        handler(call.request, contextOf(call)).then(
          (response) => callback(null, response),
          (err: unknown) => callback(toServiceError(toDomainError(err))),
        );
      };
    }
    // Reusable (cached) responses are encoded once, whatever the method.
    const definition = Object.fromEntries(Object.entries(registration.definition).map(([key, method]) => [key, { ...method, responseSerialize: encodingOnce(method.responseSerialize) }]));
    this.server.addService(definition, impl);
    const serviceName = Object.values(registration.definition)[0]!.path.split('/')[1]!;
    this.serviceNames.push(serviceName);
    return this;
  }

  /**
   * A server-streaming method under the same interceptors as unary ones (auth, access
   * rules, tracing, logs and metrics see one call lasting the whole stream). The
   * handler's signal aborts when the client cancels or goes away.
   */
  private streaming(
    handler: StreamHandler<unknown, unknown>,
    interceptors: Interceptor[],
    contextOf: (call: ServerWritableStream<unknown, unknown>) => CallContext,
  ): (call: ServerWritableStream<unknown, unknown>) => void {
    return (call) => {
      const aborted = new AbortController();
      call.on('cancelled', () => aborted.abort());
      call.on('close', () => aborted.abort());
      const run = chain(async (req: unknown, ctx: CallContext) => {
        await handler(req, ctx, { send: (message) => void call.write(message), signal: aborted.signal });
        return null;
      }, interceptors);
      run(call.request, contextOf(call)).then(
        () => call.end(),
        (err: unknown) => {
          if (aborted.signal.aborted) return;
          call.emit('error', toServiceError(toDomainError(err)));
        },
      );
    };
  }

  /** Binds and starts serving; port 0 picks a free port. Returns the bound port. */
  async listen(host: string, port: number): Promise<number> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    this.health.setStatus('', 'SERVING');
    for (const name of this.serviceNames) this.health.setStatus(name, 'SERVING');
    this.options.logger.info('grpc listening', { listen: `${host}:${this.port}`, services: this.serviceNames });
    return this.port;
  }

  /**
   * Graceful stop: health turns NOT_SERVING so balancers drain, new calls are
   * refused, in-flight calls may finish within graceMs, then the rest are cut.
   */
  async shutdown(graceMs = 5_000): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
    for (const name of this.serviceNames) this.health.setStatus(name, 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>): Date | undefined {
  const deadline = call.getDeadline();
  if (deadline instanceof Date) return deadline;
  return Number.isFinite(deadline) ? new Date(deadline) : undefined;
}

/** Finds a file by walking up from this module, so src/ (tsx) and dist/ builds both work. */
export function findRepoFile(relative: string): string | null {
  const fromEnv = relative === 'envoy/descriptor.binpb' ? process.env['SHOP_DESCRIPTOR_PATH'] : undefined;
  if (fromEnv) return fromEnv;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}
