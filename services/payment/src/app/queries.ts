import { createHash } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import type { Payment } from '../../../../gen/shop/payment/v1/payment_service.js';
import { Violations } from '../../../platform/src/errors.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { resourceErrors } from '../../../platform/src/resource-errors.js';
import type { PaymentState } from '../domain/payment.js';
import type { PaymentDoc } from '../infra/models.js';
import { toPaymentMessage } from './messages.js';
import { objectId } from './payments.js';

const { notFound } = resourceErrors('payment');

/** Staff reads: one payment with its transactions, and filtered pages newest first. */
export class PaymentQueries {
  constructor(private readonly payments: Model<PaymentDoc>) {}

  async get(id: string): Promise<Payment> {
    const doc = await this.payments.findById(objectId(id), { outbox: 0 }).lean<PaymentDoc>();
    if (!doc) throw notFound(id);
    return toPaymentMessage(doc);
  }

  async list(req: { orderId: string; state: PaymentState | ''; provider: string; pageSize: number; pageToken: string }): Promise<{ payments: Payment[]; nextPageToken: string }> {
    if (req.pageSize < 0) new Violations().add('page_size', 'must not be negative').throwIfAny();
    const size = pageSize(req.pageSize);
    const fingerprint = createHash('sha256').update(`payments:${req.orderId}:${req.state}:${req.provider}`).digest('base64url').slice(0, 12);
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const filter: Record<string, unknown> = {};
    if (req.orderId !== '') filter['orderId'] = req.orderId;
    if (req.state !== '') filter['state'] = req.state;
    if (req.provider !== '') filter['provider'] = req.provider;
    if (cursor) {
      const id = String(cursor['id']);
      if (!/^[0-9a-f]{24}$/.test(id)) new Violations().add('page_token', 'not a token from this list with these filters').throwIfAny();
      filter['_id'] = { $lt: new Types.ObjectId(id) };
    }
    const docs = await this.payments.find(filter, { outbox: 0, transactions: 0 }).sort({ _id: -1 }).limit(size + 1).lean<PaymentDoc[]>();
    const page = docs.slice(0, size);
    return {
      payments: page.map((d) => toPaymentMessage({ ...d, transactions: [] }, false)),
      nextPageToken: docs.length > size ? encodePageToken({ id: page[page.length - 1]!._id.toHexString() }, fingerprint) : '',
    };
  }
}
