import type { Model } from 'mongoose';
import { COUNTRY_CODES, checkPostalCode } from '../../../platform/src/address.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { quoteMethods, validateParcel, type MethodFields, type Parcel, type Quote } from '../domain/rates.js';
import { matchZones, type Destination, type ZoneFields } from '../domain/zones.js';
import type { MethodDoc, ZoneDoc } from '../infra/models.js';

/**
 * Checks a quote's destination: a known country is required; a postal code, when
 * given, must fit the country's format (zones with postal prefixes need one).
 */
export function validateDestination(to: Destination): Destination {
  const v = new Violations('destination.');
  const countryCode = to.countryCode.trim().toUpperCase();
  let postalCode = to.postalCode.trim();
  if (countryCode === '') v.add('country_code', 'is required');
  else if (!COUNTRY_CODES.has(countryCode)) v.add('country_code', 'must be an ISO 3166-1 alpha-2 country code, e.g. DE');
  else if (postalCode !== '') {
    const postal = checkPostalCode(countryCode, postalCode);
    if (postal.ok) postalCode = postal.canonical;
    else v.add('postal_code', postal.problem);
  }
  v.throwIfAny();
  return { countryCode, region: to.region.trim().toUpperCase(), postalCode };
}

interface RateCard {
  zones: Array<ZoneFields & { id: string }>;
  methodsByZone: Map<string, Array<MethodFields & { id: string }>>;
  loadedAt: number;
}

/**
 * The whole rate card (live zones and methods) in memory: quotes are on the checkout
 * path and a rate card is small, so a quote is pure computation instead of two queries.
 * This process drops it on every rate-card write; other replicas reload it after
 * `maxAgeMs`, which is how stale a quote elsewhere can be after staff change a rate.
 */
export class RateCardCache {
  private card: RateCard | null = null;
  private loading: Promise<RateCard> | null = null;
  private generation = 0;

  constructor(
    private readonly zones: Model<ZoneDoc>,
    private readonly methods: Model<MethodDoc>,
    private readonly maxAgeMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called after every zone or method write in this process. */
  invalidate(): void {
    this.generation++;
    this.card = null;
  }

  async get(): Promise<RateCard> {
    if (this.card && this.now() - this.card.loadedAt < this.maxAgeMs) return this.card;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<RateCard> {
    const generation = this.generation;
    const loadedAt = this.now();
    const [zones, methods] = await Promise.all([
      this.zones.find({ deletedAt: null }, { outbox: 0 }).lean<ZoneDoc[]>(),
      this.methods.find({ deletedAt: null, active: true }, { outbox: 0 }).lean<MethodDoc[]>(),
    ]);
    const methodsByZone = new Map<string, Array<MethodFields & { id: string }>>();
    for (const m of methods) methodsByZone.set(m.zoneId, [...(methodsByZone.get(m.zoneId) ?? []), { ...m, id: m._id.toHexString() }]);
    const card = { zones: zones.map((z) => ({ ...z, id: z._id.toHexString() })), methodsByZone, loadedAt };
    // A write during the load may be missing from it: serve it to this caller, keep it for nobody.
    if (generation === this.generation) this.card = card;
    return card;
  }
}

/** QuoteShipping: the zones a destination falls in, their methods, priced. */
export class ShippingQuotes {
  constructor(private readonly rateCard: RateCardCache) {}

  async quote(destination: Destination, parcel: Parcel, methodId: string): Promise<Quote[]> {
    const to = validateDestination(destination);
    validateParcel(parcel);
    const card = await this.rateCard.get();
    const zones = matchZones(card.zones, to);
    const label = [to.countryCode, to.region, to.postalCode].filter(Boolean).join(' ');
    if (zones.length === 0) {
      throw new DomainError('failed_precondition', 'DESTINATION_NOT_SERVED', `we do not ship to ${label}`, { country_code: to.countryCode }, [
        { field: 'destination.country_code', description: `no shipping zone serves ${label}` },
      ]);
    }
    return quoteMethods(zones.flatMap((z) => card.methodsByZone.get(z.id) ?? []), parcel, label, methodId);
  }
}
