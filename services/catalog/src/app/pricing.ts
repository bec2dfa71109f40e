import { etagOf, expectedRevision } from '../../../platform/src/etag.js';
import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { PriceTaxMode, type PriceList, type PriceTier, type SelectedPrice } from '../../../../gen/shop/catalog/v1/pricing.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { outboxPush } from '../../../platform/src/events/index.js';
import type { Money } from '../../../platform/src/money.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import {
  applyPriceListPatch,
  parsePriceListMask,
  selectPrice,
  validatePriceList,
  validatePriceQueries,
  validateTiers,
  type PriceListFields,
  type PriceListRule,
  type Tier,
  type TierInput,
} from '../domain/pricing.js';
import { TierStore, type PriceListDoc, type PricingModels } from '../infra/price-lists.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';

/** Where selection finds each variant's own base price (the products collection). */
export interface BasePriceSource {
  /** The base price of each SKU that is a live variant; SKUs that are not are absent. */
  basePrices(skus: readonly string[]): Promise<Map<string, Money | null>>;
}

/** A SelectPrices request in domain terms. */
export interface PriceSelectionRequest {
  currencyCode: string;
  customerGroup: string;
  at: Date | undefined;
  items: { sku: string; quantity: number }[];
}


const errors = resourceErrors('price list');
const { notFound } = errors;
const target = (id: string) => ({ type: 'price_list', id });

function objectId(id: string): Types.ObjectId {
  if (!/^[0-9a-f]{24}$/i.test(id)) throw notFound(id);
  return new Types.ObjectId(id);
}

/** The proto value of each tax mode. */
export const TAX_MODE: Record<'destination' | 'inclusive' | 'exclusive', PriceTaxMode> = {
  destination: PriceTaxMode.PRICE_TAX_MODE_UNSPECIFIED,
  inclusive: PriceTaxMode.PRICE_TAX_MODE_INCLUSIVE,
  exclusive: PriceTaxMode.PRICE_TAX_MODE_EXCLUSIVE,
};

export function toPriceListMessage(doc: PriceListDoc): PriceList {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    currencyCode: doc.currencyCode,
    customerGroup: doc.customerGroup,
    validFrom: doc.validFrom ?? undefined,
    validUntil: doc.validUntil ?? undefined,
    priority: doc.priority,
    taxMode: TAX_MODE[doc.taxMode ?? 'destination'],
    etag: etagOf(doc.revision),
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
  };
}

const fieldsOf = (doc: PriceListDoc): PriceListFields => ({
  name: doc.name,
  currencyCode: doc.currencyCode,
  customerGroup: doc.customerGroup,
  validFrom: doc.validFrom,
  validUntil: doc.validUntil,
  priority: doc.priority,
  taxMode: doc.taxMode ?? 'destination',
});

const ruleOf = (doc: Pick<PriceListDoc, '_id' | 'currencyCode' | 'customerGroup' | 'validFrom' | 'validUntil' | 'priority'>): PriceListRule => ({
  id: doc._id.toHexString(),
  currencyCode: doc.currencyCode,
  customerGroup: doc.customerGroup,
  validFrom: doc.validFrom,
  validUntil: doc.validUntil,
  priority: doc.priority,
});

/**
 * Price lists, their tiers, and price selection. Staff writes carry their audit record
 * in the same atomic update as the change. Prices emit no catalog events: no consumer
 * needs them yet (search filters on variants' base prices); see docs/decisions.md.
 */
export class Pricing {
  private readonly tiers: TierStore;

  constructor(
    private readonly models: PricingModels,
    private readonly variants: BasePriceSource,
    private readonly onWrite: () => void = () => undefined,
  ) {
    this.tiers = new TierStore(models);
  }

  async createList(input: PriceListFields, origin: AuditContext): Promise<PriceList> {
    const fields = validatePriceList(input);
    const _id = new Types.ObjectId();
    const now = new Date();
    const doc = { _id, ...fields, revision: 1, createdAt: now, updatedAt: now } as PriceListDoc;
    const audit = auditOutboxEntry(origin, 'price_list.created', target(_id.toHexString()), { name: fields.name, currency_code: fields.currencyCode });
    await this.models.priceLists.create({ ...doc, outbox: [audit] });
    this.onWrite();
    return toPriceListMessage(doc);
  }

  async listLists(req: { currencyCode: string; pageSize: number; pageToken: string }): Promise<{ priceLists: PriceList[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const fingerprint = createHash('sha256').update(`lists:${req.currencyCode}`).digest('base64url').slice(0, 12);
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const filter: Record<string, unknown> = {};
    if (req.currencyCode !== '') filter['currencyCode'] = req.currencyCode;
    if (cursor) {
      const id = String(cursor['id']);
      if (!/^[0-9a-f]{24}$/.test(id)) new Violations().add('page_token', 'not a token from this list with these filters').throwIfAny();
      filter['_id'] = { $lt: new Types.ObjectId(id) };
    }
    const docs = await this.models.priceLists.find(filter, { outbox: 0 }).sort({ _id: -1 }).limit(size + 1).lean<PriceListDoc[]>();
    const page = docs.slice(0, size);
    return {
      priceLists: page.map(toPriceListMessage),
      nextPageToken: docs.length > size ? encodePageToken({ id: page[page.length - 1]!._id.toHexString() }, fingerprint) : '',
    };
  }

  /** Read-modify-write guarded by the revision, like product updates: a stale etag is ABORTED and changes nothing. */
  async updateList(id: string, patch: PriceListFields, mask: readonly string[], etag: string, origin: AuditContext): Promise<PriceList> {
    const _id = objectId(id);
    const fields = parsePriceListMask(mask);
    return writeAtRevision({
      id,
      expectedRevision: expectedRevision(etag, 'price_list.etag'),
      errors,
      load: () => this.models.priceLists.findById(_id, { outbox: 0 }).lean<PriceListDoc>().exec(),
      attempt: async (current) => {
        const next = validatePriceList(applyPriceListPatch(fieldsOf(current), patch, fields));
        const now = new Date();
        const revision = current.revision + 1;
        const audit = auditOutboxEntry(origin, 'price_list.updated', target(id), { changed_fields: fields.join(','), revision: String(revision) });
        const result = await this.models.priceLists.updateOne(
          { _id, revision: current.revision },
          { $set: { ...next, revision, updatedAt: now }, $push: outboxPush(audit) },
          { timestamps: false },
        );
        if (result.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return toPriceListMessage({ ...current, ...next, revision, updatedAt: now });
      },
    });
  }

  /**
   * Replaces the tiers of every SKU named, each SKU race-safely on its own (see
   * TierStore.replace): readers see a SKU's old tiers or its new ones, never a mix.
   */
  async setTiers(priceListId: string, input: readonly TierInput[], origin: AuditContext): Promise<{ skusUpdated: number }> {
    const list = await this.models.priceLists.findById(objectId(priceListId), { currencyCode: 1 }).lean<PriceListDoc>();
    if (!list) throw notFound(priceListId);
    const bySku = validateTiers(input, list.currencyCode);
    const gaveUp = await this.tiers.replace(priceListId, bySku, (sku, count) =>
      auditOutboxEntry(origin, 'price_list.tiers_replaced', target(priceListId), { sku, tiers: String(count) }),
    );
    this.onWrite();
    if (gaveUp.length > 0) {
      throw new DomainError('aborted', 'CONCURRENT_UPDATES', `the tiers of ${gaveUp.join(', ')} are being replaced concurrently; retry`, { price_list_id: priceListId });
    }
    return { skusUpdated: bySku.size };
  }

  async listTiers(req: { priceListId: string; sku: string; pageSize: number; pageToken: string }): Promise<{ tiers: PriceTier[]; nextPageToken: string }> {
    const list = await this.models.priceLists.findById(objectId(req.priceListId), { currencyCode: 1 }).lean<PriceListDoc>();
    if (!list) throw notFound(req.priceListId);
    const size = pageSize(req.pageSize, 100, 1000);
    const fingerprint = createHash('sha256').update(`tiers:${req.priceListId}:${req.sku}`).digest('base64url').slice(0, 12);
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const afterSku = cursor ? String(cursor['sku']) : '';
    const afterQuantity = cursor ? Number(cursor['q']) : 0;
    // Every SKU has at least one tier, so size + 2 SKUs (the cursor's may be used up) fill a page and tell whether another exists.
    const tiers = (await this.tiers.page(req.priceListId, req.sku !== '' ? { sku: req.sku } : { fromSku: afterSku }, size + 2))
      .filter((t) => t.sku > afterSku || (t.sku === afterSku && t.minQuantity > afterQuantity))
      .sort((a, b) => (a.sku === b.sku ? a.minQuantity - b.minQuantity : a.sku < b.sku ? -1 : 1));
    const page = tiers.slice(0, size);
    const last = page[page.length - 1];
    return {
      tiers: page.map((t) => ({ sku: t.sku, minQuantity: t.minQuantity, unitPrice: { currencyCode: list.currencyCode, amountMinor: t.amountMinor } })),
      nextPageToken: tiers.length > size && last ? encodePageToken({ sku: last.sku, q: last.minQuantity }, fingerprint) : '',
    };
  }

  /**
   * The price each item's customer sees, in request order; items nothing prices are
   * absent. One query per collection however many items (up to 500): the currency's
   * applicable lists and the variants' base prices, then the tier pointers, then the tiers.
   */
  async selectPrices(req: PriceSelectionRequest): Promise<SelectedPrice[]> {
    validatePriceQueries(req.currencyCode, req.items);
    if (req.customerGroup !== '' && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(req.customerGroup)) {
      new Violations().add('customer_group', 'must be empty or 1 to 64 of a-z 0-9 _ -').throwIfAny();
    }
    if (req.items.length === 0) return [];
    const at = req.at ?? new Date();
    const skus = [...new Set(req.items.map((i) => i.sku))];
    const [listDocs, basePrices] = await Promise.all([
      this.models.priceLists
        .find(
          {
            currencyCode: req.currencyCode,
            customerGroup: { $in: ['', req.customerGroup] },
            $and: [{ $or: [{ validFrom: null }, { validFrom: { $lte: at } }] }, { $or: [{ validUntil: null }, { validUntil: { $gt: at } }] }],
          },
          { currencyCode: 1, customerGroup: 1, validFrom: 1, validUntil: 1, priority: 1, taxMode: 1 },
        )
        .lean<PriceListDoc[]>(),
      this.variants.basePrices(skus),
    ]);
    const lists = listDocs.map(ruleOf);
    const modes = new Map(listDocs.map((d) => [d._id.toHexString(), d.taxMode ?? 'destination']));
    const known = skus.filter((s) => basePrices.has(s));
    let tiers: Tier[] = [];
    if (lists.length > 0 && known.length > 0) {
      tiers = await this.tiers.current(lists.map((l) => l.id), known);
    }
    const tiersBySku = new Map<string, Tier[]>();
    for (const t of tiers) tiersBySku.set(t.sku, [...(tiersBySku.get(t.sku) ?? []), t]);
    const out: SelectedPrice[] = [];
    for (const item of req.items) {
      if (!basePrices.has(item.sku)) continue;
      const query = { sku: item.sku, quantity: item.quantity, currencyCode: req.currencyCode, customerGroup: req.customerGroup, at };
      const selected = selectPrice(query, lists, tiersBySku.get(item.sku) ?? [], basePrices.get(item.sku) ?? null);
      if (selected) out.push({ ...selected, taxMode: selected.priceListId ? TAX_MODE[modes.get(selected.priceListId) ?? 'destination'] : PriceTaxMode.PRICE_TAX_MODE_UNSPECIFIED });
    }
    return out;
  }
}

