import { COUNTRY_CODES } from '../../../platform/src/address.js';
import { Violations } from '../../../platform/src/errors.js';

/** What staff write about a zone. */
export interface ZoneFields {
  name: string;
  countryCodes: string[];
  /** ISO 3166-2 codes such as "US-CA"; empty means every region. */
  regions: string[];
  /** Upper-case, without spaces; empty means every postal code. */
  postalCodePrefixes: string[];
}

/** Where a parcel goes, as far as zones care. */
export interface Destination {
  countryCode: string;
  region: string;
  postalCode: string;
}

const MAX_ENTRIES = 500;
const compactPostal = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
const uniqueSorted = (values: string[]) => [...new Set(values)].sort();

/** Validates and normalises a zone (upper case, no duplicates, sorted), naming every bad field. */
export function validateZone(input: ZoneFields, prefix = 'zone.'): ZoneFields {
  const v = new Violations(prefix);
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) v.add('name', 'must be 1 to 100 characters');
  const countryCodes = uniqueSorted(input.countryCodes.map((c) => c.trim().toUpperCase()));
  if (countryCodes.length === 0) v.add('country_codes', 'must list at least one country');
  if (countryCodes.length > MAX_ENTRIES) v.add('country_codes', `must list at most ${MAX_ENTRIES} countries`);
  countryCodes.forEach((c) => {
    if (!COUNTRY_CODES.has(c)) v.add('country_codes', `"${c}" is not an ISO 3166-1 alpha-2 country code`);
  });
  const regions = uniqueSorted(input.regions.map((r) => r.trim().toUpperCase()));
  regions.forEach((r) => {
    const match = /^([A-Z]{2})-[A-Z0-9]{1,3}$/.exec(r);
    if (!match) v.add('regions', `"${r}" must be an ISO 3166-2 code such as US-CA`);
    else if (!countryCodes.includes(match[1]!)) v.add('regions', `"${r}" is in a country the zone does not list`);
  });
  const postalCodePrefixes = uniqueSorted(input.postalCodePrefixes.map(compactPostal));
  postalCodePrefixes.forEach((p) => {
    if (!/^[A-Z0-9]{1,10}$/.test(p)) v.add('postal_code_prefixes', `"${p}" must be 1 to 10 letters or digits`);
  });
  if (regions.length > MAX_ENTRIES || postalCodePrefixes.length > MAX_ENTRIES) v.add('postal_code_prefixes', `zones list at most ${MAX_ENTRIES} regions and prefixes`);
  v.throwIfAny();
  return { name, countryCodes, regions, postalCodePrefixes };
}

/**
 * How specifically a zone covers a destination, or null when it does not: 0 by
 * country, +1 when its regions matched, +10 plus the prefix length when a postal
 * prefix matched (a longer prefix is more specific).
 */
export function zoneSpecificity(zone: ZoneFields, to: Destination): number | null {
  if (!zone.countryCodes.includes(to.countryCode)) return null;
  let score = 0;
  if (zone.regions.length > 0) {
    if (!zone.regions.includes(`${to.countryCode}-${to.region.toUpperCase()}`)) return null;
    score += 1;
  }
  if (zone.postalCodePrefixes.length > 0) {
    const postal = compactPostal(to.postalCode);
    const longest = Math.max(0, ...zone.postalCodePrefixes.filter((p) => postal.startsWith(p)).map((p) => p.length));
    if (longest === 0) return null;
    score += 10 + longest;
  }
  return score;
}

/**
 * The zones whose methods serve a destination: the most specific matches only, so a
 * "Scottish Highlands" zone (GB, postal prefixes) overrides a plain GB zone. Ties are
 * all kept, ordered by id, so the answer never depends on storage order.
 */
export function matchZones<Z extends ZoneFields & { id: string }>(zones: readonly Z[], to: Destination): Z[] {
  let best = -1;
  let matched: Z[] = [];
  for (const zone of zones) {
    const score = zoneSpecificity(zone, to);
    if (score === null || score < best) continue;
    if (score > best) {
      best = score;
      matched = [];
    }
    matched.push(zone);
  }
  return matched.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
