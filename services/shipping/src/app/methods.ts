import { Types, type Model } from 'mongoose';
import type { ListShippingMethodsRequest } from '../../../../gen/shop/shipping/v1/shipping_service.js';
import type { ShippingMethod } from '../../../../gen/shop/shipping/v1/shipping.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, invalidArgument } from '../../../platform/src/errors.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { expectedRevision, maskedFields } from '../../../platform/src/etag.js';
import { outboxPush } from '../../../platform/src/events/index.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import { validateMethod, type MethodFields } from '../domain/rates.js';
import type { MethodDoc } from '../infra/models.js';
import { isObjectId, toMethodMessage } from './messages.js';
import type { ShippingZones } from './zones.js';

const errors = resourceErrors('shipping method');
const METHOD_MASK = [
  'zone_id', 'name', 'description', 'kind', 'rate_type', 'rates', 'min_business_days', 'max_business_days', 'carrier', 'warehouse_id', 'max_weight_grams', 'volumetric_divisor', 'active',
] as const;
type MaskField = (typeof METHOD_MASK)[number];
const KEY: Record<MaskField, keyof MethodFields> = {
  zone_id: 'zoneId', name: 'name', description: 'description', kind: 'kind', rate_type: 'rateType', rates: 'rates', min_business_days: 'minBusinessDays',
  max_business_days: 'maxBusinessDays', carrier: 'carrier', warehouse_id: 'warehouseId', max_weight_grams: 'maxWeightGrams', volumetric_divisor: 'volumetricDivisor', active: 'active',
};
const target = (id: string) => ({ type: 'shipping_method', id });
const nameKey = (name: string) => name.normalize('NFKC').toLowerCase();
const nameTaken = (name: string) =>
  new DomainError('already_exists', 'METHOD_NAME_TAKEN', `the zone already has a shipping method named ${name}`, { name }, [{ field: 'method.name', description: 'is already used by another method of this zone' }]);
const zoneMissing = (zoneId: string) => invalidArgument([{ field: 'method.zone_id', description: `no shipping zone ${zoneId}` }]);

/** Shipping methods: staff CRUD; each method belongs to a live zone. */
export class ShippingMethods {
  constructor(
    private readonly methods: Model<MethodDoc>,
    private readonly zones: ShippingZones,
    private readonly carrierCodes: () => string[],
    private readonly onWrite: () => void,
  ) {}

  private live(id: string): Promise<MethodDoc | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    return this.methods.findOne({ _id: id, deletedAt: null }, { outbox: 0 }).lean<MethodDoc>().exec();
  }

  async create(input: MethodFields, origin: AuditContext): Promise<ShippingMethod> {
    const fields = validateMethod(input, this.carrierCodes());
    if (!(await this.zones.live(fields.zoneId))) throw zoneMissing(fields.zoneId);
    const _id = new Types.ObjectId();
    const now = new Date();
    const doc = { _id, ...fields, nameKey: nameKey(fields.name), revision: 1, deletedAt: null, createdAt: now, updatedAt: now } as MethodDoc;
    try {
      await this.methods.create({ ...doc, outbox: [auditOutboxEntry(origin, 'shipping_method.created', target(_id.toHexString()), { name: fields.name, zone_id: fields.zoneId })] });
    } catch (err) {
      if (isDuplicateKey(err)) throw nameTaken(fields.name);
      throw err;
    }
    this.onWrite();
    // A zone delete racing this create may have checked for methods before ours
    // existed: moving the zone's revision makes that delete's write fail (it checks
    // again and finds ours), and if the zone is already gone we take ours back.
    if (!(await this.zones.touch(fields.zoneId))) {
      await this.delete(_id.toHexString(), origin).catch(() => undefined);
      throw zoneMissing(fields.zoneId);
    }
    return toMethodMessage(doc);
  }

  async get(id: string): Promise<ShippingMethod> {
    const doc = await this.live(id);
    if (!doc) throw errors.notFound(id);
    return toMethodMessage(doc);
  }

  /** Oldest first, optionally of one zone. */
  async list(req: ListShippingMethodsRequest): Promise<{ methods: ShippingMethod[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const fingerprint = `methods:${req.zoneId}`;
    const cursor = decodePageToken(req.pageToken, fingerprint);
    const filter: Record<string, unknown> = { deletedAt: null };
    if (req.zoneId !== '') filter['zoneId'] = req.zoneId;
    if (cursor) filter['_id'] = { $gt: new Types.ObjectId(String(cursor['id'])) };
    const docs = await this.methods.find(filter, { outbox: 0 }).sort({ _id: 1 }).limit(size + 1).lean<MethodDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return { methods: page.map(toMethodMessage), nextPageToken: docs.length > size && last ? encodePageToken({ id: last._id.toHexString() }, fingerprint) : '' };
  }

  async update(id: string, patch: MethodFields, given: (field: MaskField) => boolean, mask: string[] | undefined, etag: string, origin: AuditContext): Promise<ShippingMethod> {
    const masked = maskedFields(mask, METHOD_MASK, given);
    return writeAtRevision({
      id,
      expectedRevision: expectedRevision(etag),
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        const next: MethodFields = {
          zoneId: current.zoneId, name: current.name, description: current.description, kind: current.kind, rateType: current.rateType, rates: current.rates,
          minBusinessDays: current.minBusinessDays, maxBusinessDays: current.maxBusinessDays, carrier: current.carrier, warehouseId: current.warehouseId,
          maxWeightGrams: current.maxWeightGrams, volumetricDivisor: current.volumetricDivisor, active: current.active,
        };
        for (const f of masked) (next as unknown as Record<string, unknown>)[KEY[f]] = patch[KEY[f]];
        const fields = validateMethod(next, this.carrierCodes());
        if (masked.includes('zone_id') && !(await this.zones.live(fields.zoneId))) throw zoneMissing(fields.zoneId);
        const now = new Date();
        let result;
        try {
          result = await this.methods.updateOne(
            { _id: id, revision: current.revision, deletedAt: null },
            { $set: { ...fields, nameKey: nameKey(fields.name), revision: current.revision + 1, updatedAt: now }, $push: outboxPush(auditOutboxEntry(origin, 'shipping_method.updated', target(id), { changed_fields: masked.join(',') })) },
            { timestamps: false },
          );
        } catch (err) {
          if (isDuplicateKey(err)) throw nameTaken(fields.name);
          throw err;
        }
        if (result.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        // Moved into a zone being deleted: as in create, the touch makes the delete look
        // again; if the zone is already gone, the method goes back where it was.
        if (fields.zoneId !== current.zoneId && !(await this.zones.touch(fields.zoneId))) {
          await this.methods.updateOne({ _id: id, revision: current.revision + 1 }, { $set: { zoneId: current.zoneId, revision: current.revision + 2 } }, { timestamps: false });
          throw zoneMissing(fields.zoneId);
        }
        return toMethodMessage({ ...current, ...fields, revision: current.revision + 1, updatedAt: now });
      },
    });
  }

  async delete(id: string, origin: AuditContext): Promise<void> {
    await writeAtRevision({
      id,
      expectedRevision: null,
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        const now = new Date();
        const result = await this.methods.updateOne(
          { _id: id, revision: current.revision, deletedAt: null },
          { $set: { deletedAt: now, updatedAt: now, revision: current.revision + 1, nameKey: `deleted:${id}` }, $push: outboxPush(auditOutboxEntry(origin, 'shipping_method.deleted', target(id), { name: current.name })) },
          { timestamps: false },
        );
        if (result.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return undefined;
      },
    });
  }
}
