import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let registered = false;

/**
 * Registers the OpenTelemetry SDK for this process: W3C traceparent propagation and
 * async context, so spans (and the trace ids in log lines) follow a call across
 * services. Exporting spans (OTLP) is a deployment choice added here by config later.
 */
export function setupTracing(): void {
  if (registered) return;
  registered = true;
  new NodeTracerProvider().register();
}
