import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidGtin } from './barcode.js';

describe('isValidGtin', () => {
  test('accepts real EAN-13, UPC-A and GTIN-8 codes', () => {
    for (const code of ['4006381333931', '036000291452', '96385074', '10012345678902']) assert.equal(isValidGtin(code), true, code);
  });
  test('rejects a wrong check digit, letters and odd lengths', () => {
    for (const code of ['4006381333932', '03600029145X', '123', '400638133393100']) assert.equal(isValidGtin(code), false, code);
  });
});
