// The echo ceiling's server: a bare @grpc/grpc-js server with the echo service and
// nothing else (no platform kit, interceptors, health or reflection), so that its
// rate is what grpc-js itself allows. Run as its own process, pinned like the
// services are:
//
//   node --import tsx tools/bench/ceilings/echo-server.ts [port]   # prints "READY <port>"
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const ECHO_PROTO = resolve(import.meta.dirname, 'echo.proto');
export const GOOGLEAPIS = resolve(import.meta.dirname, '../../../node_modules/google-proto-files');
export const ECHO_SERVICE = 'bench.echo.v1.EchoService';
export const ECHO_METHOD = `${ECHO_SERVICE}/Echo`;

/** The fixed product every answer carries: about 700 bytes as JSON. */
export const ECHO_PRODUCT = {
  id: '6650f0c2a1b2c3d4e5f60718',
  name: 'Classic insulated steel water bottle',
  description: 'A double-walled steel bottle that keeps drinks cold for a day and hot for twelve hours. Leak-proof lid, powder-coated finish, fits most cup holders.',
  sku: 'BOTTLE-STEEL-750',
  price: { currencyCode: 'EUR', amountMinor: 2499 },
  categoryIds: ['kitchen', 'outdoor', 'drinkware'],
  variants: ['500', '750', '1000'].map((ml, i) => ({
    sku: `BOTTLE-STEEL-${ml}`,
    price: { currencyCode: 'EUR', amountMinor: 1999 + i * 500 },
    weightGrams: 300 + i * 90,
  })),
};

async function main(): Promise<void> {
  const definition = protoLoader.loadSync(ECHO_PROTO, { includeDirs: [GOOGLEAPIS], longs: Number, defaults: false });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { bench: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } } };
  const server = new grpc.Server();
  server.addService(pkg.bench.echo.v1.EchoService.service, {
    Echo: (call: grpc.ServerUnaryCall<{ message: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, { message: call.request.message, product: ECHO_PRODUCT });
    },
  });
  const port = await new Promise<number>((done, fail) =>
    server.bindAsync(`127.0.0.1:${process.argv[2] ?? '0'}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? fail(err) : done(p))),
  );
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`READY ${port}\n`);
}

if (process.argv[1] === import.meta.filename) await main();
