import { Schema, type Connection, type Model } from 'mongoose';
import type { ConvertMoneyResponse, ExchangeRate } from '../../../../gen/shop/payment/v1/payment_service.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { convertMinor, isExchangeRate, isSupportedCurrency } from '../../../platform/src/currency.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { Money } from '../../../platform/src/money.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';

interface RateDoc {
  /** `<base>/<quote>`, e.g. EUR/USD: one document per pair. */
  _id: string;
  base: string;
  quote: string;
  rate: string;
  rateTime: Date;
  source: string;
  outbox: OutboxEntry[];
}

export function exchangeRateModel(db: Connection): Model<RateDoc> {
  const existing = db.models['ExchangeRate'] as Model<RateDoc> | undefined;
  if (existing) return existing;
  const schema = new Schema<RateDoc>(
    { _id: String, base: String, quote: String, rate: String, rateTime: Date, source: String, outbox: outboxSchema },
    { versionKey: false, collection: 'exchange_rates' },
  );
  return db.model<RateDoc>('ExchangeRate', schema);
}

const toMessage = (d: Pick<RateDoc, 'base' | 'quote' | 'rate' | 'rateTime' | 'source'>): ExchangeRate => ({ baseCurrency: d.base, quoteCurrency: d.quote, rate: d.rate, rateTime: d.rateTime, source: d.source });

/**
 * FX rates for showing prices in other currencies (orders are charged in the cart's
 * currency and never converted). Staff set them or an import does; each pair keeps its
 * newest observation only; a rate older than maxAgeMs is refused, never used silently.
 */
export class ExchangeRates {
  constructor(
    private readonly rates: Model<RateDoc>,
    private readonly maxAgeMs: number,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  async set(input: ExchangeRate | undefined, origin: AuditContext): Promise<ExchangeRate> {
    const v = new Violations();
    if (!input) v.add('exchange_rate', 'is required').throwIfAny();
    const { baseCurrency: base, quoteCurrency: quote, rate } = input!;
    if (!isSupportedCurrency(base)) v.add('exchange_rate.base_currency', 'must be a supported ISO 4217 code');
    if (!isSupportedCurrency(quote)) v.add('exchange_rate.quote_currency', 'must be a supported ISO 4217 code');
    if (base === quote) v.add('exchange_rate.quote_currency', 'must differ from base_currency');
    if (!isExchangeRate(rate)) v.add('exchange_rate.rate', 'must be a positive decimal such as "1.0834" (at most 12 decimals)');
    const rateTime = input!.rateTime ?? new Date();
    if (rateTime.getTime() > Date.now() + 60_000) v.add('exchange_rate.rate_time', 'must not be in the future');
    const source = input!.source.trim() || (origin.caller?.kind === 'service' ? 'import' : 'staff');
    if (source.length > 64) v.add('exchange_rate.source', 'must be at most 64 characters');
    v.throwIfAny();
    const _id = `${base}/${quote}`;
    const audit = auditOutboxEntry(origin, 'exchange_rate.set', { type: 'exchange_rate', id: _id }, { rate, rate_time: rateTime.toISOString(), source });
    try {
      // Only a newer observation replaces the stored one; the unique _id turns "an
      // older one lost the race" into a duplicate-key error on the upsert.
      await this.rates.updateOne(
        { _id, rateTime: { $lt: rateTime } },
        { $set: { base, quote, rate, rateTime, source }, $push: { outbox: audit } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    this.onWrite();
    const stored = await this.rates.findById(_id, { outbox: 0 }).lean<RateDoc>();
    return toMessage(stored!);
  }

  async list(): Promise<ExchangeRate[]> {
    const docs = await this.rates.find({}, { outbox: 0 }).sort({ _id: 1 }).limit(1000).lean<RateDoc[]>();
    return docs.map(toMessage);
  }

  async convert(amount: Money | undefined, target: string): Promise<ConvertMoneyResponse> {
    const v = new Violations();
    if (!amount) v.add('amount', 'is required');
    else {
      if (!isSupportedCurrency(amount.currencyCode)) v.add('amount.currency_code', 'must be a supported ISO 4217 code');
      if (!Number.isSafeInteger(amount.amountMinor)) v.add('amount.amount_minor', 'must be a whole number of minor units');
    }
    if (!isSupportedCurrency(target)) v.add('target_currency', 'must be a supported ISO 4217 code');
    v.throwIfAny();
    const from = amount!.currencyCode;
    if (from === target) return { converted: amount, exchangeRate: { baseCurrency: from, quoteCurrency: target, rate: '1', rateTime: new Date(), source: 'identity' } };
    const doc = await this.rates.findById(`${from}/${target}`, { outbox: 0 }).lean<RateDoc>();
    if (!doc) throw new DomainError('not_found', 'EXCHANGE_RATE_NOT_FOUND', `no exchange rate from ${from} to ${target}`, { base_currency: from, quote_currency: target });
    const age = Date.now() - doc.rateTime.getTime();
    if (age > this.maxAgeMs) {
      throw new DomainError('failed_precondition', 'EXCHANGE_RATE_STALE', `the ${from}/${target} rate is from ${doc.rateTime.toISOString()}, older than ${Math.round(this.maxAgeMs / 1000)} s; set a current one`, {
        base_currency: from,
        quote_currency: target,
        rate_time: doc.rateTime.toISOString(),
      });
    }
    return { converted: { currencyCode: target, amountMinor: convertMinor(amount!.amountMinor, from, target, doc.rate) }, exchangeRate: toMessage(doc) };
  }
}
