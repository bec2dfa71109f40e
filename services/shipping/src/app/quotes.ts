import type { Model } from 'mongoose';
import { COUNTRY_CODES, checkPostalCode } from '../../../platform/src/address.js';
import { DomainError, Violations } from '../../../platform/src/errors.js';
import { quoteMethods, validateParcel, type Parcel, type Quote } from '../domain/rates.js';
import { matchZones, type Destination } from '../domain/zones.js';
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

/** QuoteShipping: the zones a destination falls in, their methods, priced. */
export class ShippingQuotes {
  constructor(
    private readonly zones: Model<ZoneDoc>,
    private readonly methods: Model<MethodDoc>,
  ) {}

  async quote(destination: Destination, parcel: Parcel, methodId: string): Promise<Quote[]> {
    const to = validateDestination(destination);
    validateParcel(parcel);
    const candidates = await this.zones.find({ countryCodes: to.countryCode, deletedAt: null }, { outbox: 0 }).lean<ZoneDoc[]>();
    const zones = matchZones(candidates.map((z) => ({ ...z, id: z._id.toHexString() })), to);
    const label = [to.countryCode, to.region, to.postalCode].filter(Boolean).join(' ');
    if (zones.length === 0) {
      throw new DomainError('failed_precondition', 'DESTINATION_NOT_SERVED', `we do not ship to ${label}`, { country_code: to.countryCode }, [
        { field: 'destination.country_code', description: `no shipping zone serves ${label}` },
      ]);
    }
    const methods = await this.methods.find({ zoneId: { $in: zones.map((z) => z.id) }, deletedAt: null }, { outbox: 0 }).lean<MethodDoc[]>();
    return quoteMethods(methods.map((m) => ({ ...m, id: m._id.toHexString() })), parcel, label, methodId);
  }
}
