import { randomUUID } from 'node:crypto';
import type { ListSuppliersRequest, Supplier } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { Violations, invalidArgument } from '../../../platform/src/errors.js';
import { expectedRevision, maskedFields } from '../../../platform/src/etag.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import { MAX_QUANTITY, checkSku } from '../domain/lines.js';
import type { InventoryModels, SupplierDoc } from '../infra/models.js';
import { toSupplier } from './messages.js';

export const supplierErrors = resourceErrors('supplier');
const MASK = ['name', 'contact_name', 'contact_email', 'contact_phone', 'lead_time_days', 'currency_code', 'items'] as const;
type Fields = Pick<SupplierDoc, 'name' | 'contactName' | 'contactEmail' | 'contactPhone' | 'leadTimeDays' | 'currencyCode' | 'items'>;

function fieldsOf(s: Supplier): Fields {
  return {
    name: s.name.trim(),
    contactName: s.contactName.trim(),
    contactEmail: s.contactEmail.trim(),
    contactPhone: s.contactPhone.trim(),
    leadTimeDays: s.leadTimeDays,
    currencyCode: s.currencyCode.trim().toUpperCase(),
    items: s.items.map((i) => ({ sku: i.sku, unitCostMinor: i.unitCost?.amountMinor ?? 0, packSize: i.packSize || 1, preferred: i.preferred })),
  };
}

/** Every rule a supplier must satisfy, checked on create and on every update. */
function validate(f: Fields, given: Supplier): void {
  const v = new Violations();
  if (f.name.length < 1 || f.name.length > 200) v.add('supplier.name', 'must be 1 to 200 characters');
  if (f.contactEmail !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.contactEmail)) v.add('supplier.contact_email', 'must be an email address');
  if (f.contactPhone !== '' && !/^\+?[0-9 ()-]{4,32}$/.test(f.contactPhone)) v.add('supplier.contact_phone', 'must be a phone number');
  if (!Number.isInteger(f.leadTimeDays) || f.leadTimeDays < 0 || f.leadTimeDays > 365) v.add('supplier.lead_time_days', 'must be 0 to 365');
  if (!/^[A-Z]{3}$/.test(f.currencyCode)) v.add('supplier.currency_code', 'must be an ISO 4217 code like "EUR"');
  if (f.items.length > 1000) v.add('supplier.items', 'at most 1000 items');
  const seen = new Set<string>();
  f.items.forEach((item, i) => {
    checkSku(v, `supplier.items[${i}].sku`, item.sku);
    if (seen.has(item.sku)) v.add(`supplier.items[${i}].sku`, `${item.sku} appears more than once`);
    seen.add(item.sku);
    const cost = given.items[i]?.unitCost;
    if (cost && cost.currencyCode !== '' && cost.currencyCode !== f.currencyCode) v.add(`supplier.items[${i}].unit_cost.currency_code`, `must be the supplier's currency ${f.currencyCode}`);
    if (!Number.isSafeInteger(item.unitCostMinor) || item.unitCostMinor < 0) v.add(`supplier.items[${i}].unit_cost.amount_minor`, 'must be a whole number of minor units, 0 or more');
    if (!Number.isSafeInteger(item.packSize) || item.packSize < 1 || item.packSize > MAX_QUANTITY) v.add(`supplier.items[${i}].pack_size`, `must be 1 to ${MAX_QUANTITY} (0 means 1)`);
  });
  v.throwIfAny();
}

/** Suppliers: contacts, lead time, currency and the SKUs they deliver at what cost. */
export class Suppliers {
  constructor(private readonly m: InventoryModels, private readonly onWrite: () => void = () => undefined) {}

  async create(s: Supplier | undefined, origin: AuditContext): Promise<Supplier> {
    if (!s) throw invalidArgument([{ field: 'supplier', description: 'is required' }]);
    const fields = fieldsOf(s);
    validate(fields, s);
    const now = new Date();
    const id = randomUUID();
    const doc: SupplierDoc = { _id: id, ...fields, nameKey: fields.name.toLowerCase(), revision: 1, deletedAt: null, createdAt: now, updatedAt: now, outbox: [] };
    await this.m.suppliers.create({ ...doc, outbox: [auditOutboxEntry(origin, 'supplier.created', { type: 'supplier', id }, { name: fields.name })] });
    this.onWrite();
    return toSupplier(doc);
  }

  private live(id: string): Promise<SupplierDoc | null> {
    return this.m.suppliers.findOne({ _id: id, deletedAt: null }, { outbox: 0 }).lean<SupplierDoc>().exec();
  }

  async getDoc(id: string): Promise<SupplierDoc> {
    const doc = await this.live(id);
    if (!doc) throw supplierErrors.notFound(id);
    return doc;
  }

  async get(id: string): Promise<Supplier> {
    return toSupplier(await this.getDoc(id));
  }

  async list(req: ListSuppliersRequest): Promise<{ suppliers: Supplier[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const fingerprint = `suppliers|${req.sku}`;
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const filter: Record<string, unknown> = { deletedAt: null };
    if (req.sku) filter['items.sku'] = req.sku;
    if (cursor) filter['$or'] = [{ nameKey: { $gt: String(cursor['n']) } }, { nameKey: String(cursor['n']), _id: { $gt: String(cursor['id']) } }];
    const docs = await this.m.suppliers.find(filter, { outbox: 0 }).sort({ nameKey: 1, _id: 1 }).limit(size + 1).lean<SupplierDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return { suppliers: page.map(toSupplier), nextPageToken: docs.length > size && last ? encodePageToken({ n: last.nameKey, id: last._id }, fingerprint) : '' };
  }

  async update(s: Supplier | undefined, mask: string[] | undefined, origin: AuditContext): Promise<Supplier> {
    if (!s) throw invalidArgument([{ field: 'supplier', description: 'is required' }]);
    const patch = fieldsOf(s);
    const given = { name: s.name !== '', contact_name: s.contactName !== '', contact_email: s.contactEmail !== '', contact_phone: s.contactPhone !== '', lead_time_days: s.leadTimeDays !== 0, currency_code: s.currencyCode !== '', items: s.items.length > 0 };
    const masked = maskedFields(mask, MASK, (f) => given[f]);
    return writeAtRevision({
      id: s.id,
      expectedRevision: expectedRevision(s.etag, 'supplier.etag'),
      errors: supplierErrors,
      load: () => this.live(s.id),
      attempt: async (current) => {
        const next: Fields = { name: current.name, contactName: current.contactName, contactEmail: current.contactEmail, contactPhone: current.contactPhone, leadTimeDays: current.leadTimeDays, currencyCode: current.currencyCode, items: current.items };
        if (masked.includes('name')) next.name = patch.name;
        if (masked.includes('contact_name')) next.contactName = patch.contactName;
        if (masked.includes('contact_email')) next.contactEmail = patch.contactEmail;
        if (masked.includes('contact_phone')) next.contactPhone = patch.contactPhone;
        if (masked.includes('lead_time_days')) next.leadTimeDays = patch.leadTimeDays;
        if (masked.includes('currency_code')) next.currencyCode = patch.currencyCode;
        if (masked.includes('items')) next.items = patch.items;
        validate(next, masked.includes('items') ? s : { ...s, items: [] });
        const now = new Date();
        const res = await this.m.suppliers.updateOne(
          { _id: s.id, revision: current.revision, deletedAt: null },
          { $set: { ...next, nameKey: next.name.toLowerCase(), revision: current.revision + 1, updatedAt: now }, $push: { outbox: auditOutboxEntry(origin, 'supplier.updated', { type: 'supplier', id: s.id }, { changed_fields: masked.join(',') }) } },
        );
        if (res.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return toSupplier({ ...current, ...next, revision: current.revision + 1, updatedAt: now });
      },
    });
  }

  /** Soft delete: the document keeps its audit record until the relay has sent it; purchase orders keep the id. */
  async delete(id: string, origin: AuditContext): Promise<void> {
    await writeAtRevision({
      id,
      expectedRevision: null,
      errors: supplierErrors,
      load: () => this.live(id),
      attempt: async (current) => {
        const now = new Date();
        const res = await this.m.suppliers.updateOne(
          { _id: id, revision: current.revision, deletedAt: null },
          { $set: { deletedAt: now, updatedAt: now, revision: current.revision + 1 }, $push: { outbox: auditOutboxEntry(origin, 'supplier.deleted', { type: 'supplier', id }, { name: current.name }) } },
        );
        if (res.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return undefined;
      },
    });
  }

  /** The preferred supplier of a SKU (the first by name when several are marked). */
  async preferredFor(sku: string): Promise<SupplierDoc | null> {
    const docs = await this.m.suppliers.find({ deletedAt: null, 'items.sku': sku }, { outbox: 0 }).sort({ nameKey: 1, _id: 1 }).lean<SupplierDoc[]>();
    return docs.find((d) => d.items.some((i) => i.sku === sku && i.preferred)) ?? null;
  }
}
