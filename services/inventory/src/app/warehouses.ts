import { randomUUID } from 'node:crypto';
import type { ListWarehousesRequest, Warehouse } from '../../../../gen/shop/inventory/v1/inventory_service.js';
import { auditOutboxEntry, type AuditContext } from '../../../platform/src/audit.js';
import { DomainError, Violations, invalidArgument } from '../../../platform/src/errors.js';
import { expectedRevision, maskedFields } from '../../../platform/src/etag.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { decodePageToken, encodePageToken, pageSize } from '../../../platform/src/paging.js';
import { LOST_RACE, resourceErrors, writeAtRevision } from '../../../platform/src/resource-errors.js';
import type { InventoryModels, WarehouseDoc } from '../infra/models.js';
import { toWarehouse } from './messages.js';

const errors = resourceErrors('warehouse');
const MASK = ['name', 'address', 'priority', 'active'] as const;
const codeTaken = (code: string) => new DomainError('already_exists', 'WAREHOUSE_CODE_TAKEN', `a warehouse with code ${code} exists`, { code }, [{ field: 'warehouse.code', description: 'is already used' }]);

type Fields = Pick<WarehouseDoc, 'name' | 'address' | 'priority' | 'active'>;

function validate(f: Fields, v: Violations): void {
  if (f.name.trim().length < 1 || f.name.length > 200) v.add('warehouse.name', 'must be 1 to 200 characters');
  if (!Number.isInteger(f.priority) || f.priority < 0 || f.priority > 1_000_000) v.add('warehouse.priority', 'must be a whole number from 0 to 1000000');
  if (f.address.countryCode !== '' && !/^[A-Z]{2}$/.test(f.address.countryCode)) v.add('warehouse.address.country_code', 'must be an ISO 3166-1 alpha-2 code like "DE"');
  for (const k of ['line1', 'line2', 'city', 'postalCode'] as const) if (f.address[k].length > 200) v.add(`warehouse.address.${k}`, 'at most 200 characters');
}

const addressOf = (w: Warehouse) => ({ line1: w.address?.line1 ?? '', line2: w.address?.line2 ?? '', city: w.address?.city ?? '', postalCode: w.address?.postalCode ?? '', countryCode: w.address?.countryCode ?? '' });

/** Warehouses: unique codes, priority order for reservations, etags on updates. */
export class Warehouses {
  constructor(private readonly m: InventoryModels, private readonly onWrite: () => void = () => undefined) {}

  private activeCache: { at: number; ids: Promise<string[]> } | null = null;

  /**
   * Active warehouses' ids in reservation order (priority, then id). Reservations,
   * availability reads and the projector ask on every call, so the answer is kept for
   * a second and dropped at once when this process changes a warehouse; a change made
   * by another replica is seen within that second.
   */
  activeIds(): Promise<string[]> {
    if (this.activeCache && Date.now() - this.activeCache.at < 1_000) return this.activeCache.ids;
    const ids = this.m.warehouses.find({ active: true }, { _id: 1 }).sort({ priority: 1, _id: 1 }).lean().then((list) => list.map((w) => String(w._id)));
    const entry = { at: Date.now(), ids };
    this.activeCache = entry;
    ids.catch(() => {
      if (this.activeCache === entry) this.activeCache = null;
    });
    return ids;
  }

  async create(w: Warehouse | undefined, origin: AuditContext): Promise<Warehouse> {
    const v = new Violations();
    if (!w) throw invalidArgument([{ field: 'warehouse', description: 'is required' }]);
    const code = w.code.trim().toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9_-]{0,31}$/.test(code)) v.add('warehouse.code', 'must be 1 to 32 letters, digits, "_" or "-"');
    const fields: Fields = { name: w.name.trim(), address: addressOf(w), priority: w.priority, active: true };
    validate(fields, v);
    v.throwIfAny();
    const now = new Date();
    const id = randomUUID();
    const doc = { _id: id, code, ...fields, revision: 1, createdAt: now, updatedAt: now };
    try {
      await this.m.warehouses.create({ ...doc, outbox: [auditOutboxEntry(origin, 'warehouse.created', { type: 'warehouse', id }, { code })] });
    } catch (err) {
      if (isDuplicateKey(err)) throw codeTaken(code);
      throw err;
    } finally {
      this.activeCache = null;
    }
    this.onWrite();
    return toWarehouse({ ...doc, outbox: [] });
  }

  async getDoc(id: string): Promise<WarehouseDoc> {
    const doc = await this.m.warehouses.findById(id, { outbox: 0 }).lean<WarehouseDoc>();
    if (!doc) throw errors.notFound(id);
    return doc;
  }

  async get(id: string): Promise<Warehouse> {
    return toWarehouse(await this.getDoc(id));
  }

  /** Checks that a warehouse exists, naming the request field when it does not. */
  async requireExisting(id: string, field: string): Promise<WarehouseDoc> {
    const doc = id ? await this.m.warehouses.findById(id, { outbox: 0 }).lean<WarehouseDoc>() : null;
    if (!doc) throw new DomainError('invalid_argument', 'WAREHOUSE_NOT_FOUND', `${field}: no warehouse ${id || '(empty)'}`, { warehouse_id: id }, [{ field, description: 'must name an existing warehouse' }]);
    return doc;
  }

  async list(req: ListWarehousesRequest): Promise<{ warehouses: Warehouse[]; nextPageToken: string }> {
    const size = pageSize(req.pageSize, 50, 200);
    const cursor = decodePageToken(req.pageToken, 'warehouses');
    const filter: Record<string, unknown> = {};
    if (cursor) filter['$or'] = [{ priority: { $gt: Number(cursor['p']) } }, { priority: Number(cursor['p']), _id: { $gt: String(cursor['id']) } }];
    const docs = await this.m.warehouses.find(filter, { outbox: 0 }).sort({ priority: 1, _id: 1 }).limit(size + 1).lean<WarehouseDoc[]>();
    const page = docs.slice(0, size);
    const last = page[page.length - 1];
    return { warehouses: page.map(toWarehouse), nextPageToken: docs.length > size && last ? encodePageToken({ p: last.priority, id: last._id }, 'warehouses') : '' };
  }

  async update(w: Warehouse | undefined, mask: string[] | undefined, origin: AuditContext): Promise<Warehouse> {
    if (!w) throw invalidArgument([{ field: 'warehouse', description: 'is required' }]);
    const given = { name: w.name !== '', address: w.address !== undefined, priority: w.priority !== 0, active: false };
    const masked = maskedFields(mask, MASK, (f) => given[f]);
    return writeAtRevision({
      id: w.id,
      expectedRevision: expectedRevision(w.etag, 'warehouse.etag'),
      errors,
      load: () => this.m.warehouses.findById(w.id, { outbox: 0 }).lean<WarehouseDoc>(),
      attempt: async (current) => {
        const next: Fields = { name: current.name, address: current.address, priority: current.priority, active: current.active };
        if (masked.includes('name')) next.name = w.name.trim();
        if (masked.includes('address')) next.address = addressOf(w);
        if (masked.includes('priority')) next.priority = w.priority;
        if (masked.includes('active')) next.active = w.active;
        const v = new Violations();
        validate(next, v);
        v.throwIfAny();
        const now = new Date();
        const res = await this.m.warehouses.updateOne(
          { _id: w.id, revision: current.revision },
          { $set: { ...next, revision: current.revision + 1, updatedAt: now }, $push: { outbox: auditOutboxEntry(origin, 'warehouse.updated', { type: 'warehouse', id: w.id }, { changed_fields: masked.join(',') }) } },
        );
        if (res.modifiedCount !== 1) return LOST_RACE;
        this.activeCache = null;
        // Totals count active warehouses only: their SKUs' availability is projected again.
        if (next.active !== current.active) await this.m.levels.updateMany({ warehouseId: w.id }, { $set: { dirty: true }, $inc: { version: 1 } });
        this.onWrite();
        return toWarehouse({ ...current, ...next, revision: current.revision + 1, updatedAt: now });
      },
    });
  }
}
