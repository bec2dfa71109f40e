// The Envoy bootstrap of the echo ceiling: our real edge (envoy/render.ts, rendered
// unchanged) with the echo server as its only upstream, so that the ceiling carries
// every cost a public GET route pays at the edge: CORS, gRPC-Web, the token bucket,
// JWT (optional: no token sent, as on public catalog reads), JSON transcoding with
// the same print and validation options, local-reply mapping, the access log to a
// file, and the HTTP/2 upstream. When the edge changes, the ceiling follows.
import { renderEnvoyConfig } from '../../../envoy/render.js';
import { ECHO_SERVICE } from './echo-server.js';

export interface EchoEdgeOptions {
  listenPort: number;
  adminPort: number;
  echoPort: number;
  descriptorPath: string;
  /** The JSON access log file, as the benchmark stacks write it. */
  accessLog: string;
}

/** The echo edge's Envoy config (JSON-ready). */
export function echoEnvoyConfig(o: EchoEdgeOptions): object {
  const rps = 1_000_000; // as in tools/bench/bench-stack.ts: the token bucket must not be what we measure
  return renderEnvoyConfig({
    listenHost: '127.0.0.1',
    listenPort: o.listenPort,
    adminPort: o.adminPort,
    descriptorPath: o.descriptorPath,
    upstreams: [{ name: 'echo', host: '127.0.0.1', port: o.echoPort, grpcServices: [ECHO_SERVICE] }],
    // No identity here: the JWKS fetch gets a 404 and is retried in the background
    // (jwt_authn's async fetch); requests without a token pass, as on public routes.
    jwt: { issuer: 'http://127.0.0.1', audience: 'shopmesh', jwksUpstream: 'echo' },
    rateLimit: { maxTokens: rps * 2, tokensPerFill: rps, fillIntervalMs: 1000 },
    accessLog: o.accessLog,
  });
}
