import { context, propagation, trace } from '@opentelemetry/api';
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './subjects.js';

/** W3C trace headers of the active span, if any. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

/**
 * Captures the caller's trace context as W3C headers. Needed at outbox-write
 * time because the relay publishes later, outside the request's context.
 * Uses the registered propagator when there is one and otherwise formats
 * the active span context directly, so tracing works even before the
 * service has wired an OTel SDK.
 */
export function currentTraceHeaders(): TraceHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  let traceparent: string | undefined = carrier[TRACEPARENT_HEADER];
  let tracestate: string | undefined = carrier[TRACESTATE_HEADER];
  if (!traceparent) {
    const sc = trace.getSpanContext(context.active());
    if (sc && trace.isSpanContextValid(sc)) {
      const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
      traceparent = `00-${sc.traceId}-${sc.spanId}-${flags}`;
      tracestate = sc.traceState?.serialize() || undefined;
    }
  }
  const out: TraceHeaders = {};
  if (traceparent) out.traceparent = traceparent;
  if (tracestate) out.tracestate = tracestate;
  return out;
}
