import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { violatedFieldsOf } from '../../../../tools/testing/domain.js';
import { matchZones, validateZone, zoneSpecificity, type ZoneFields } from './zones.js';

const zone = (id: string, z: Partial<ZoneFields>) => ({ id, name: id, countryCodes: [], regions: [], postalCodePrefixes: [], ...z });
const eu = zone('eu', { countryCodes: ['DE', 'FR', 'NL'] });
const gb = zone('gb', { countryCodes: ['GB'] });
const highlands = zone('highlands', { countryCodes: ['GB'], postalCodePrefixes: ['IV', 'HS', 'KW'] });
const orkney = zone('orkney', { countryCodes: ['GB'], postalCodePrefixes: ['KW15', 'KW16', 'KW17'] });
const usWest = zone('us-west', { countryCodes: ['US'], regions: ['US-CA', 'US-OR', 'US-WA'] });
const us = zone('us', { countryCodes: ['US'] });
const all = [eu, gb, highlands, orkney, usWest, us];
const to = (countryCode: string, postalCode = '', region = '') => ({ countryCode, postalCode, region });

describe('zone matching', () => {
  const cases: Array<[string, ReturnType<typeof to>, string[]]> = [
    ['a listed country', to('FR', '75008'), ['eu']],
    ['an unlisted country matches nothing', to('JP', '100-0001'), []],
    ['a plain GB address gets the GB zone', to('GB', 'SW1A 1AA'), ['gb']],
    ['a postal prefix overrides the country zone', to('GB', 'HS1 2AB'), ['highlands']],
    ['the longest prefix wins (KW15 over KW)', to('GB', 'KW15 1AB'), ['orkney']],
    ['prefixes ignore spaces and case', to('GB', 'kw 15 1ab'), ['orkney']],
    ['a region zone overrides the country zone', to('US', '94105', 'CA'), ['us-west']],
    ['other regions fall back to the country zone', to('US', '10001', 'NY'), ['us']],
  ];
  for (const [title, dest, expected] of cases) test(title, () => assert.deepEqual(matchZones(all, dest).map((z) => z.id), expected));

  test('ties keep every zone, ordered by id whatever the input order', () => {
    const a = zone('b-zone', { countryCodes: ['DE'] });
    const b = zone('a-zone', { countryCodes: ['DE'] });
    assert.deepEqual(matchZones([a, b], to('DE')).map((z) => z.id), ['a-zone', 'b-zone']);
    assert.deepEqual(matchZones([b, a], to('DE')).map((z) => z.id), ['a-zone', 'b-zone']);
  });

  test('a zone with prefixes does not match an address without a postal code', () => {
    assert.equal(zoneSpecificity(highlands, to('GB')), null);
  });
});

describe('validateZone', () => {
  test('normalises: upper case, no duplicates, sorted, prefixes without spaces', () => {
    assert.deepEqual(validateZone({ name: ' EU ', countryCodes: ['nl', 'de', 'DE'], regions: [], postalCodePrefixes: ['kw 15', 'HS'] }), {
      name: 'EU', countryCodes: ['DE', 'NL'], regions: [], postalCodePrefixes: ['HS', 'KW15'],
    });
  });
  test('names every bad field', () => {
    assert.deepEqual(violatedFieldsOf(() => validateZone({ name: '', countryCodes: ['XX'], regions: ['DE-BE', 'CA'], postalCodePrefixes: ['#1'] })), [
      'zone.country_codes', 'zone.name', 'zone.postal_code_prefixes', 'zone.regions', 'zone.regions',
    ]);
    assert.deepEqual(violatedFieldsOf(() => validateZone({ name: 'x', countryCodes: [], regions: [], postalCodePrefixes: [] })), ['zone.country_codes']);
  });
});
