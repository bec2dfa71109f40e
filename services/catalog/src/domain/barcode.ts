/**
 * GTIN-8, UPC-A (GTIN-12), EAN-13 and GTIN-14: digits only, and the last digit is the
 * GS1 check digit (weights 3 and 1 alternating from the right, excluding the check digit).
 */
export function isValidGtin(barcode: string): boolean {
  if (!/^\d+$/.test(barcode) || ![8, 12, 13, 14].includes(barcode.length)) return false;
  const digits = [...barcode].map(Number);
  const check = digits.pop()!;
  let sum = 0;
  for (let i = digits.length - 1, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += digits[i]! * w;
  return (10 - (sum % 10)) % 10 === check;
}
