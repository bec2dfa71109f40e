import { Violations } from '../../../platform/src/errors.js';
import { COUNTRY_CODES } from '../../../platform/src/address.js';
import { NO_TAX, type TaxRate } from './totals.js';

export interface TaxRuleFields {
  countryCode: string;
  region: string;
  rateBps: number;
  pricesIncludeTax: boolean;
  taxShipping: boolean;
  name: string;
}

/** Rates above 100% exist nowhere; basis points keep rates like 7.25% exact. */
const MAX_RATE_BPS = 10_000;

export function validateTaxRule(input: TaxRuleFields): TaxRuleFields {
  const v = new Violations();
  const countryCode = input.countryCode.trim().toUpperCase();
  const region = input.region.trim().toUpperCase();
  const name = input.name.trim();
  if (!COUNTRY_CODES.has(countryCode)) v.add('tax_rule.country_code', 'must be an ISO 3166-1 alpha-2 country code, e.g. DE');
  if (region.length > 10 || !/^[A-Z0-9-]*$/.test(region)) v.add('tax_rule.region', 'must be a region code of up to 10 letters, digits or dashes');
  if (!Number.isInteger(input.rateBps) || input.rateBps < 0 || input.rateBps > MAX_RATE_BPS) v.add('tax_rule.rate_bps', `must be a whole number of basis points from 0 to ${MAX_RATE_BPS} (1900 = 19%)`);
  if (name.length > 50) v.add('tax_rule.name', 'must be at most 50 characters');
  v.throwIfAny();
  return { ...input, countryCode, region, name };
}

/** The rule for a destination: its region's rule wins over the country's; none means no tax. */
export function rateFor(rules: readonly TaxRuleFields[], countryCode: string, region: string): TaxRate {
  const country = countryCode.toUpperCase();
  const regionCode = region.toUpperCase();
  const rule = rules.find((r) => r.countryCode === country && regionCode !== '' && r.region === regionCode) ?? rules.find((r) => r.countryCode === country && r.region === '');
  return rule ? { rateBps: rule.rateBps, pricesIncludeTax: rule.pricesIncludeTax, taxShipping: rule.taxShipping } : NO_TAX;
}
