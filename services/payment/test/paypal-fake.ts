import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A stand-in for PayPal's REST API (the sandbox cannot be reached from here), answering
 * the documented Orders v2 and Payments v2 request and response shapes the provider
 * uses: OAuth2 client credentials, create order, authorize order, capture and void an
 * authorization, refund a capture. It honours PayPal-Request-Id as PayPal does (the
 * same id answers the stored response) and records every call for assertions.
 */
export interface RecordedCall {
  method: string;
  path: string;
  requestId: string | undefined;
  authorization: string | undefined;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class FakePayPal {
  readonly calls: RecordedCall[] = [];
  /** Paths (regex) that answer 503 for now. */
  failing: RegExp | null = null;
  private readonly byRequestId = new Map<string, { status: number; body: unknown }>();
  private readonly orders = new Map<string, { amount: { currency_code: string; value: string }; vaulted: boolean }>();
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.answer(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body === null ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The webhook id and signature this stand-in's verify-webhook-signature accepts. */
  readonly webhookId = 'WH-TEST-1';
  readonly validSignature = 'valid-signature';

  /** The buyer approves an order at PayPal. */
  approve(orderId: string): void {
    const order = this.orders.get(orderId);
    if (order) order.vaulted = true;
  }

  callsTo(pattern: RegExp): RecordedCall[] {
    return this.calls.filter((c) => pattern.test(c.path));
  }

  private async answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString('utf8')));
      req.on('end', () => resolve(data));
    });
    // Requests come in proxy form: the request line carries PayPal's absolute URL.
    const path = new URL(req.url ?? '/', 'https://paypal.invalid').pathname;
    const requestId = header(req, 'paypal-request-id');
    let body: any = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (raw && (req.headers['content-type'] ?? '').includes('json')) body = JSON.parse(raw);
    this.calls.push({ method: req.method ?? '', path, requestId, authorization: header(req, 'authorization'), body });
    if (path === '/v1/oauth2/token') return { status: 200, body: { access_token: `A21.${randomUUID()}`, token_type: 'Bearer', expires_in: 32_400, scope: 'https://uri.paypal.com/services/payments/payment' } };
    if (!header(req, 'authorization')?.startsWith('Bearer ')) return { status: 401, body: { error: 'invalid_token' } };
    if (this.failing?.test(path)) return { status: 503, body: { name: 'SERVICE_UNAVAILABLE', message: 'try again' } };
    const key = requestId ? `${path}:${requestId}` : null;
    const stored = key ? this.byRequestId.get(key) : undefined;
    if (stored) return stored;
    const answer = this.route(path, body);
    if (key && answer.status < 500) this.byRequestId.set(key, answer);
    return answer;
  }

  private route(path: string, body: any): { status: number; body: unknown } { // eslint-disable-line @typescript-eslint/no-explicit-any
    let m: RegExpExecArray | null;
    if (path === '/v1/notifications/verify-webhook-signature') {
      const ok = body.webhook_id === this.webhookId && body.transmission_sig === this.validSignature && typeof body.webhook_event?.id === 'string';
      return { status: 200, body: { verification_status: ok ? 'SUCCESS' : 'FAILURE' } };
    }
    if (path === '/v2/checkout/orders') {
      const id = randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase();
      const vaulted = Boolean(body.payment_source?.paypal?.vault_id);
      this.orders.set(id, { amount: body.purchase_units[0].amount, vaulted });
      return {
        status: 201,
        body: {
          id,
          intent: body.intent,
          status: vaulted ? 'APPROVED' : 'PAYER_ACTION_REQUIRED',
          purchase_units: body.purchase_units,
          links: [
            { href: `https://api-m.sandbox.paypal.com/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' },
            ...(vaulted ? [] : [{ href: `https://www.sandbox.paypal.com/checkoutnow?token=${id}`, rel: 'payer-action', method: 'GET' }]),
          ],
        },
      };
    }
    if ((m = /^\/v2\/checkout\/orders\/([^/]+)\/authorize$/.exec(path))) {
      const order = this.orders.get(m[1]!);
      if (!order) return { status: 404, body: { name: 'RESOURCE_NOT_FOUND' } };
      if (!order.vaulted) return { status: 422, body: { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_NOT_APPROVED' }] } };
      const authorization = { id: `AUTH-${randomUUID().slice(0, 8)}`, status: 'CREATED', amount: order.amount };
      return { status: 201, body: { id: m[1], status: 'COMPLETED', purchase_units: [{ reference_id: 'default', payments: { authorizations: [authorization] } }] } };
    }
    if ((m = /^\/v2\/payments\/authorizations\/([^/]+)\/capture$/.exec(path))) {
      return { status: 201, body: { id: `CAP-${randomUUID().slice(0, 8)}`, status: 'COMPLETED', amount: body.amount, final_capture: true } };
    }
    if ((m = /^\/v2\/payments\/authorizations\/([^/]+)\/void$/.exec(path))) return { status: 204, body: null };
    if ((m = /^\/v2\/payments\/captures\/([^/]+)\/refund$/.exec(path))) {
      return { status: 201, body: { id: `REF-${randomUUID().slice(0, 8)}`, status: 'COMPLETED', amount: body.amount } };
    }
    return { status: 404, body: { name: 'RESOURCE_NOT_FOUND' } };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
