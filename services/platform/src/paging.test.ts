import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decodePageToken, encodePageToken, pageNewestFirst, pageSize } from './paging.js';
import { domainErrorOf } from '../../../tools/testing/domain.js';


describe('pageSize', () => {
  test('0 means the default size', () => {
    assert.equal(pageSize(0), DEFAULT_PAGE_SIZE);
    assert.equal(pageSize(0, 50), 50);
  });

  test('keeps a size within the cap', () => {
    assert.equal(pageSize(1), 1);
    assert.equal(pageSize(MAX_PAGE_SIZE), MAX_PAGE_SIZE);
  });

  test('caps a size above the maximum instead of failing', () => {
    assert.equal(pageSize(MAX_PAGE_SIZE + 1), MAX_PAGE_SIZE);
    assert.equal(pageSize(1_000_000), MAX_PAGE_SIZE);
    assert.equal(pageSize(30, 20, 25), 25);
  });

  test('rejects a negative or fractional size naming page_size', () => {
    for (const bad of [-1, -100, 2.5, Number.NaN]) {
      const err = domainErrorOf(() => pageSize(bad));
      assert.equal(err.code, 'invalid_argument', String(bad));
      assert.deepEqual(err.fieldViolations.map((v) => v.field), ['page_size']);
    }
  });
});

describe('page tokens', () => {
  const fingerprint = 'status=ACTIVE';

  test('an empty token means the first page', () => {
    assert.equal(decodePageToken('', fingerprint), null);
  });

  test('round-trip the keyset cursor for the same query', () => {
    const cursor = { createTime: 1_700_000_000_000, id: 'p_123' };
    const token = encodePageToken(cursor, fingerprint);
    assert.match(token, /^[A-Za-z0-9_-]+$/, 'token is URL-safe');
    assert.deepEqual(decodePageToken(token, fingerprint), cursor);
  });

  test('rejects a token issued for a different query', () => {
    const token = encodePageToken({ id: 'p_123' }, 'status=ACTIVE');
    const err = domainErrorOf(() => decodePageToken(token, 'status=DRAFT'));
    assert.equal(err.code, 'invalid_argument');
    assert.equal(err.reason, 'INVALID_PAGE_TOKEN');
    assert.deepEqual(err.fieldViolations.map((v) => v.field), ['page_token']);
  });

  test('rejects garbage and tampered tokens with INVALID_PAGE_TOKEN', () => {
    const noCursor = Buffer.from(JSON.stringify({ q: fingerprint })).toString('base64url');
    const nullJson = Buffer.from('null').toString('base64url');
    for (const bad of ['not a token!', 'AAAA', noCursor, nullJson, encodePageToken({ id: 'x' }, fingerprint).slice(0, -4)]) {
      const err = domainErrorOf(() => decodePageToken(bad, fingerprint));
      assert.equal(err.reason, 'INVALID_PAGE_TOKEN', bad);
      assert.equal(err.code, 'invalid_argument', bad);
    }
  });
});

describe('pageNewestFirst', () => {
  const docs = [3, 2, 1].map((n) => ({ _id: `id${n}`, createdAt: new Date(n * 1000) }));
  // A stand-in for the store: applies the keyset filter the helper builds.
  const find = async (filter: Record<string, any>, limit: number) => {
    const or = filter['$or'] as Array<Record<string, any>> | undefined;
    const older = (d: (typeof docs)[number]) => !or || d.createdAt < or[0]!['createdAt'].$lt || (d.createdAt.getTime() === or[1]!['createdAt'].getTime() && d._id < or[1]!['_id'].$lt);
    return docs.filter(older).slice(0, limit);
  };
  test('walks every item once, newest first, and the last page has no token', async () => {
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await pageNewestFirst({ filter: {}, pageSize: 2, pageToken, fingerprint: 'q', find });
      seen.push(...page.items.map((d) => d._id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(seen, ['id3', 'id2', 'id1']);
  });
  test('a token from another query is refused', async () => {
    const first = await pageNewestFirst({ filter: {}, pageSize: 1, pageToken: '', fingerprint: 'q', find });
    await assert.rejects(pageNewestFirst({ filter: {}, pageSize: 1, pageToken: first.nextPageToken, fingerprint: 'other', find }), (err: { reason?: string }) => err.reason === 'INVALID_PAGE_TOKEN');
  });
});
