/**
 * Postal address rules every service shares (identity's address book, shipping's
 * destinations and zones): ISO 3166-1 country codes, postal code formats of the
 * countries we know, and the region codes of countries that need one.
 */
import { Violations } from './errors.js';

/**
 * ISO 3166-1 alpha-2: the 249 officially assigned codes. A table rather than
 * Intl.DisplayNames, which also names non-countries (EU, UN, QO, XK, ZZ).
 */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
   CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
   GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
   KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS
   MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
   RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW
   TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`.split(/\s+/),
);

/** A postal code format: what it looks like and its canonical spelling. */
interface PostalRule {
  pattern: RegExp;
  /** Canonical form of a matching (upper-cased, trimmed) code. */
  canonical: (match: RegExpExecArray) => string;
  example: string;
}

// Patterns run on the upper-cased input with surrounding spaces removed.
const POSTAL_RULES: Record<string, PostalRule> = {
  // ZIP or ZIP+4.
  US: { pattern: /^(\d{5})(?:[- ]?(\d{4}))?$/, canonical: (m) => (m[2] ? `${m[1]}-${m[2]}` : m[1]!), example: '94105 or 94105-1234' },
  // Royal Mail: outward code (area, district) + inward code (sector digit, unit letters); GIR 0AA is Girobank's.
  GB: {
    pattern: /^(GIR|[A-Z]{1,2}\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})$/,
    canonical: (m) => `${m[1]} ${m[2]}`,
    example: 'SW1A 1AA',
  },
  DE: { pattern: /^(\d{5})$/, canonical: (m) => m[1]!, example: '10115' },
  FR: { pattern: /^(\d{5})$/, canonical: (m) => m[1]!, example: '75008' },
  // Four digits (no leading zero) and two letters; SA, SD and SS are never issued.
  NL: { pattern: /^([1-9]\d{3}) ?((?!SA|SD|SS)[A-Z]{2})$/, canonical: (m) => `${m[1]} ${m[2]}`, example: '1012 AB' },
  // A1A 1A1; D, F, I, O, Q, U never appear, W and Z never first.
  CA: {
    pattern: /^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$/,
    canonical: (m) => `${m[1]} ${m[2]}`,
    example: 'K1A 0B1',
  },
  JP: { pattern: /^(\d{3})-?(\d{4})$/, canonical: (m) => `${m[1]}-${m[2]}`, example: '100-0001' },
};

/** Countries whose addresses need a region, with the codes their postal services use. */
const REGIONS: Record<string, ReadonlySet<string>> = {
  // States, DC, inhabited territories, and the armed forces "states".
  US: new Set(
    `AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA
     RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP`.split(/\s+/),
  ),
  CA: new Set('AB BC MB NB NL NS NT NU ON PE QC SK YT'.split(' ')),
};

/** The region codes a country's addresses must carry, or undefined when it needs none. */
export function regionsOf(countryCode: string): ReadonlySet<string> | undefined {
  return REGIONS[countryCode];
}

/**
 * Checks a postal code against the country's format where we know it (required
 * there); elsewhere it is optional and only its characters are checked.
 */
export function checkPostalCode(countryCode: string, raw: string): { ok: true; canonical: string } | { ok: false; problem: string } {
  const code = raw.trim().toUpperCase().replace(/\s+/g, ' ');
  const rule = POSTAL_RULES[countryCode];
  if (!rule) {
    if (code === '') return { ok: true, canonical: '' };
    return /^[A-Z0-9](?:[A-Z0-9 -]{0,14}[A-Z0-9])?$/.test(code)
      ? { ok: true, canonical: code }
      : { ok: false, problem: 'must be at most 16 letters, digits, spaces or dashes' };
  }
  if (code === '') return { ok: false, problem: `is required for ${countryCode}` };
  const match = rule.pattern.exec(code);
  return match ? { ok: true, canonical: rule.canonical(match) } : { ok: false, problem: `is not a valid ${countryCode} postal code, e.g. ${rule.example}` };
}

/** The fields of an address a user edits; id, etag and times belong to the server. */
export interface AddressFields {
  fullName: string;
  company: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postalCode: string;
  countryCode: string;
  phone: string;
}

export const ADDRESS_FIELDS = ['full_name', 'company', 'line1', 'line2', 'city', 'region', 'postal_code', 'country_code', 'phone'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
export const addressFieldKey: Record<AddressField, keyof AddressFields> = {
  full_name: 'fullName',
  company: 'company',
  line1: 'line1',
  line2: 'line2',
  city: 'city',
  region: 'region',
  postal_code: 'postalCode',
  country_code: 'countryCode',
  phone: 'phone',
};

/** Longest accepted free-text values; postal code, country and phone have formats instead. */
const LIMITS = { full_name: 200, company: 200, line1: 200, line2: 200, city: 100, region: 100 } as const;

/**
 * Validates a whole address and returns it normalised (trimmed, country and postal
 * code in their canonical spelling), naming every bad field at once.
 */
export function validateAddress(input: AddressFields, fieldPrefix = ''): AddressFields {
  const a: AddressFields = {
    fullName: input.fullName.trim(),
    company: input.company.trim(),
    line1: input.line1.trim(),
    line2: input.line2.trim(),
    city: input.city.trim(),
    region: input.region.trim(),
    postalCode: input.postalCode.trim().toUpperCase().replace(/\s+/g, ' '),
    countryCode: input.countryCode.trim().toUpperCase(),
    phone: input.phone.trim(),
  };
  const v = new Violations(fieldPrefix);
  for (const field of ['full_name', 'line1', 'city'] as const) if (a[addressFieldKey[field]] === '') v.add(field, 'is required');
  for (const [field, max] of Object.entries(LIMITS) as Array<[keyof typeof LIMITS, number]>) {
    if (a[addressFieldKey[field]].length > max) v.add(field, `must be at most ${max} characters`);
  }

  if (a.countryCode === '') v.add('country_code', 'is required');
  else if (!COUNTRY_CODES.has(a.countryCode)) v.add('country_code', 'must be an ISO 3166-1 alpha-2 country code, e.g. DE');
  else {
    const postal = checkPostalCode(a.countryCode, a.postalCode);
    if (postal.ok) a.postalCode = postal.canonical;
    else v.add('postal_code', postal.problem);
    const regions = regionsOf(a.countryCode);
    if (regions) {
      a.region = a.region.toUpperCase();
      if (a.region === '') v.add('region', `is required for ${a.countryCode}`);
      else if (!regions.has(a.region)) v.add('region', `must be a ${a.countryCode} state or province code, e.g. ${a.countryCode === 'US' ? 'CA' : 'ON'}`);
    }
  }

  if (a.phone !== '') {
    const phone = normalizePhone(a.phone);
    if (phone === null) v.add('phone', 'must be an E.164 phone number, e.g. +4930123456');
    else a.phone = phone;
  }
  v.throwIfAny();
  return a;
}

/** The E.164 form of a phone number (spaces, dots, dashes and brackets dropped), or null. */
export function normalizePhone(raw: string): string | null {
  const compact = raw.trim().replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}
