import { Types, type Model } from 'mongoose';
import type { ListShippingZonesRequest } from '../../../../gen/shop/shipping/v1/shipping_service.js';
import type { ShippingZone } from '../../../../gen/shop/shipping/v1/shipping.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError } from '../../../platform/src/errors.js';
import { expectedRevision, maskedFields } from '../../../platform/src/etag.js';
import { outboxPush } from '../../../platform/src/events/index.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import { validateZone, type ZoneFields } from '../domain/zones.js';
import type { MethodDoc, ZoneDoc } from '../infra/models.js';
import { isObjectId, toZoneMessage } from './messages.js';

const errors = resourceErrors('shipping zone');
const ZONE_MASK = ['name', 'country_codes', 'regions', 'postal_code_prefixes'] as const;
const nameKey = (name: string) => name.normalize('NFKC').toLowerCase();
const nameTaken = (name: string) =>
  new DomainError('already_exists', 'ZONE_NAME_TAKEN', `a shipping zone named ${name} already exists`, { name }, [{ field: 'zone.name', description: 'is already used by another zone' }]);
const target = (id: string) => ({ type: 'shipping_zone', id });

/** Shipping zones: staff CRUD with unique names, etags and an audit record per change. */
export class ShippingZones {
  constructor(
    private readonly zones: Model<ZoneDoc>,
    private readonly methods: Model<MethodDoc>,
    private readonly onWrite: () => void,
  ) {}

  live(id: string): Promise<ZoneDoc | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    return this.zones.findOne({ _id: id, deletedAt: null }, { outbox: 0 }).lean<ZoneDoc>().exec();
  }

  /**
   * Records that a method was just added to a live zone by moving the zone's
   * revision; false when the zone is gone. A zone delete that checked for methods
   * before the method existed then loses its conditional write and checks again, so
   * a zone is never deleted with a method in it.
   */
  async touch(id: string): Promise<boolean> {
    if (!isObjectId(id)) return false;
    const result = await this.zones.updateOne({ _id: id, deletedAt: null }, { $inc: { revision: 1 } }, { timestamps: false });
    return result.modifiedCount === 1;
  }

  async create(input: ZoneFields, origin: AuditContext): Promise<ShippingZone> {
    const fields = validateZone(input);
    const _id = new Types.ObjectId();
    const now = new Date();
    const doc = { _id, ...fields, nameKey: nameKey(fields.name), revision: 1, deletedAt: null, createdAt: now, updatedAt: now } as ZoneDoc;
    try {
      await this.zones.create({ ...doc, outbox: [auditOutboxEntry(origin, 'shipping_zone.created', target(_id.toHexString()), { name: fields.name, countries: fields.countryCodes.join(' ') })] });
    } catch (err) {
      if (isDuplicateKey(err)) throw nameTaken(fields.name);
      throw err;
    }
    this.onWrite();
    return toZoneMessage(doc);
  }

  async get(id: string): Promise<ShippingZone> {
    const doc = await this.live(id);
    if (!doc) throw errors.notFound(id);
    return toZoneMessage(doc);
  }

  async list(req: ListShippingZonesRequest): Promise<{ zones: ShippingZone[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const cursor = decodePageToken(req.pageToken, 'zones');
    const filter: Record<string, unknown> = { deletedAt: null };
    if (cursor) filter['$or'] = [{ nameKey: { $gt: String(cursor['n']) } }, { nameKey: String(cursor['n']), _id: { $gt: new Types.ObjectId(String(cursor['id'])) } }];
    const docs = await this.zones.find(filter, { outbox: 0 }).sort({ nameKey: 1, _id: 1 }).limit(size + 1).lean<ZoneDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return { zones: page.map(toZoneMessage), nextPageToken: docs.length > size && last ? encodePageToken({ n: last.nameKey ?? '', id: last._id.toHexString() }, 'zones') : '' };
  }

  async update(id: string, patch: ZoneFields, mask: string[] | undefined, etag: string, origin: AuditContext): Promise<ShippingZone> {
    const given = { name: patch.name !== '', country_codes: patch.countryCodes.length > 0, regions: patch.regions.length > 0, postal_code_prefixes: patch.postalCodePrefixes.length > 0 };
    const masked = maskedFields(mask, ZONE_MASK, (f) => given[f]);
    return writeAtRevision({
      id,
      expectedRevision: expectedRevision(etag),
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        const next: ZoneFields = {
          name: masked.includes('name') ? patch.name : current.name,
          countryCodes: masked.includes('country_codes') ? patch.countryCodes : current.countryCodes,
          regions: masked.includes('regions') ? patch.regions : current.regions,
          postalCodePrefixes: masked.includes('postal_code_prefixes') ? patch.postalCodePrefixes : current.postalCodePrefixes,
        };
        const fields = validateZone(next);
        const now = new Date();
        const after = { ...current, ...fields, nameKey: nameKey(fields.name), revision: current.revision + 1, updatedAt: now } as ZoneDoc;
        try {
          const result = await this.zones.updateOne(
            { _id: id, revision: current.revision, deletedAt: null },
            { $set: { ...fields, nameKey: after.nameKey, revision: after.revision, updatedAt: now }, $push: outboxPush(auditOutboxEntry(origin, 'shipping_zone.updated', target(id), { changed_fields: masked.join(',') })) },
            { timestamps: false },
          );
          if (result.modifiedCount !== 1) return LOST_RACE;
        } catch (err) {
          if (isDuplicateKey(err)) throw nameTaken(fields.name);
          throw err;
        }
        this.onWrite();
        return toZoneMessage(after);
      },
    });
  }

  /** Deletes a zone no live method uses (delete or move its methods first). */
  async delete(id: string, origin: AuditContext): Promise<void> {
    await writeAtRevision({
      id,
      expectedRevision: null,
      errors,
      load: () => this.live(id),
      attempt: async (current) => {
        if (await this.methods.exists({ zoneId: id, deletedAt: null })) {
          throw new DomainError('failed_precondition', 'ZONE_IN_USE', `shipping zone ${id} still has shipping methods; delete them first`, { shipping_zone_id: id });
        }
        const now = new Date();
        const result = await this.zones.updateOne(
          { _id: id, revision: current.revision, deletedAt: null },
          { $set: { deletedAt: now, updatedAt: now, revision: current.revision + 1 }, $unset: { nameKey: 1 }, $push: outboxPush(auditOutboxEntry(origin, 'shipping_zone.deleted', target(id), { name: current.name })) },
          { timestamps: false },
        );
        if (result.modifiedCount !== 1) return LOST_RACE;
        this.onWrite();
        return undefined;
      },
    });
  }
}
