/**
 * Tracking number formats of carriers we know, checked when a shipment is created.
 * Patterns only (no check digits): they catch typos and pasted order numbers without
 * refusing a carrier's new series. "other" accepts any sane token.
 */
export const KNOWN_TRACKING_PATTERNS: Readonly<Record<string, { pattern: RegExp; example: string }>> = {
  ups: { pattern: /^1Z[0-9A-Z]{16}$/, example: '1Z999AA10123456784' },
  fedex: { pattern: /^(\d{12}|\d{15}|\d{20})$/, example: '123456789012' },
  usps: { pattern: /^(\d{20}|\d{22}|(92|93|94|95)\d{20}|[A-Z]{2}\d{9}US)$/, example: '9400111899223197428490' },
  dhl_express: { pattern: /^\d{10}$/, example: '1234567890' },
  dhl: { pattern: /^(\d{12}|\d{20}|JJD\d{16,20})$/, example: '00340434123456789012' },
  royal_mail: { pattern: /^[A-Z]{2}\d{9}GB$/, example: 'AB123456789GB' },
  other: { pattern: /^[A-Z0-9][A-Z0-9-]{3,39}$/, example: 'ABC-12345' },
};

/** Canonical spelling: trimmed, upper case, without inner spaces. */
export const normalizeTrackingNumber = (raw: string) => raw.trim().toUpperCase().replace(/\s+/g, '');

/** Null when the number fits the carrier's pattern, else why not. */
export function trackingNumberProblem(carrierName: string, number: string, pattern?: RegExp): string | null {
  const rule = pattern ? { pattern, example: '' } : KNOWN_TRACKING_PATTERNS[carrierName];
  if (!rule) return null;
  if (rule.pattern.test(number)) return null;
  return `is not a ${carrierName} tracking number${rule.example ? `, e.g. ${rule.example}` : ''}`;
}
