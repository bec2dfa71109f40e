import type { Violations } from './errors.js';

const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

/** Money as every service stores it: integer minor units and an ISO 4217 code. */
export interface Money {
  currencyCode: string;
  amountMinor: number;
}

/**
 * Validates a Money field: a known ISO 4217 code and a whole, safe number of minor
 * units (never a float), non-negative unless the field allows otherwise.
 */
export function checkMoney(field: string, money: Money | undefined, violations: Violations, options: { allowNegative?: boolean } = {}): void {
  if (!money) {
    violations.add(field, 'is required');
    return;
  }
  if (!ISO_4217.has(money.currencyCode)) violations.add(`${field}.currency_code`, 'must be an ISO 4217 code such as EUR or USD');
  if (!Number.isSafeInteger(money.amountMinor)) violations.add(`${field}.amount_minor`, 'must be a whole number of minor units');
  else if (!options.allowNegative && money.amountMinor < 0) violations.add(`${field}.amount_minor`, 'must not be negative');
}
