import type { Metadata } from '@grpc/grpc-js';
import type { Caller } from '../auth.js';
import type { Logger } from '../logger.js';

/** What a handler knows about the call besides its request message. */
export interface CallContext {
  /** Full method path, e.g. /shop.catalog.v1.CatalogService/GetProduct. */
  readonly method: string;
  readonly requestId: string;
  readonly metadata: Metadata;
  readonly deadline: Date | undefined;
  /**
   * The end client's IP address as the edge saw it (see clientIpOf), for rate limits
   * and audit events; the calling service's address for calls from inside the mesh.
   */
  readonly clientIp: string;
  /** The client's User-Agent header (capped), for audit events. */
  readonly userAgent: string;
  /** Set by the auth interceptor when a valid bearer token came with the call. */
  caller: Caller | null;
  logger: Logger;
}

/** A unary RPC as domain code writes it: request and context in, response out. */
export type UnaryHandler<Req, Res> = (req: Req, ctx: CallContext) => Promise<Res>;

/** Wraps a handler; shaped `(next) => async (req, ctx) => ...` as connect-es does. */
export type Interceptor = (next: UnaryHandler<unknown, unknown>) => UnaryHandler<unknown, unknown>;

/** The grpc-js shape of one unary method, as ts-proto generates it. */
export interface UnaryMethod<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  requestSerialize(value: Req): Buffer;
  requestDeserialize(value: Buffer): Req;
  responseSerialize(value: Res): Buffer;
  responseDeserialize(value: Buffer): Res;
}

/** The grpc-js shape of one server-streaming method (one request, a stream of responses). */
export interface ServerStreamMethod<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: true;
  requestSerialize(value: Req): Buffer;
  requestDeserialize(value: Buffer): Req;
  responseSerialize(value: Res): Buffer;
  responseDeserialize(value: Buffer): Res;
}

/** Where a streaming handler writes; `signal` aborts when the client goes away. */
export interface ResponseStream<Res> {
  send(message: Res): void;
  readonly signal: AbortSignal;
}

/** A server-streaming RPC as domain code writes it: resolves when the stream should end. */
export type StreamHandler<Req, Res> = (req: Req, ctx: CallContext, stream: ResponseStream<Res>) => Promise<void>;

export type RequestOf<M> = M extends UnaryMethod<infer Req, unknown> ? Req : never;
export type ResponseOf<M> = M extends UnaryMethod<unknown, infer Res> ? Res : never;

/** Handlers for every method of a generated service definition, typed from it. */
export type ServiceHandlers<D> = {
  [K in keyof D]: D[K] extends ServerStreamMethod<infer Req, infer Res> ? StreamHandler<Req, Res> : UnaryHandler<RequestOf<D[K]>, ResponseOf<D[K]>>;
};
