import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process, shared by every service it hosts. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** RED metrics per RPC, labelled the way the gRPC ecosystem's dashboards expect. */
export const rpcHandled = new Counter({
  name: 'grpc_server_handled_total',
  help: 'RPCs completed on the server, by method and status code.',
  labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
  registers: [registry],
});

export const rpcDuration = new Histogram({
  name: 'grpc_server_handling_seconds',
  help: 'Time to handle an RPC on the server.',
  labelNames: ['grpc_service', 'grpc_method'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const clientHandled = new Counter({
  name: 'grpc_client_handled_total',
  help: 'RPCs completed by clients, by downstream method and status code.',
  labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
  registers: [registry],
});

/** Serves GET /metrics in the Prometheus text format on its own port. */
export async function startMetricsServer(host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":5,"message":"not found"}');
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}

/** Splits /pkg.Service/Method into label values. */
export function methodLabels(path: string): { grpc_service: string; grpc_method: string } {
  const [, service = '', method = ''] = path.split('/');
  return { grpc_service: service, grpc_method: method };
}
