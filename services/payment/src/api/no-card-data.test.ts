import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// PCI scope stays with the providers: the contract has no field that could carry card
// data, so none can be accepted, stored or logged. Payment methods are provider tokens.
test('no payment message has a field for a card number, CVC or expiry', () => {
  for (const file of ['payment_service.proto', 'events.proto']) {
    const proto = readFileSync(new URL(`../../../../proto/shop/payment/v1/${file}`, import.meta.url), 'utf8');
    const fields = [...proto.matchAll(/^\s*(?:repeated\s+)?[\w.]+\s+(\w+)\s*=\s*\d+;/gm)].map((m) => m[1]!);
    assert.ok(fields.length > 10, `${file}: fields found`);
    for (const name of fields) assert.doesNotMatch(name, /card|pan$|cvc|cvv|security_code|expir|track/i, `${file}: ${name}`);
  }
});
