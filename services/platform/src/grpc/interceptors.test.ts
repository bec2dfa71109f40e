import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { AUTHENTICATED, PUBLIC } from '../auth.js';
import { DomainError } from '../errors.js';
import type { CallContext } from './context.js';
import { authenticate, clientIpOf, peerIp, userAgentOf } from './interceptors.js';

function metadata(headers: Record<string, string>): Metadata {
  const m = new Metadata();
  for (const [k, v] of Object.entries(headers)) m.set(k, v);
  return m;
}

describe('clientIpOf', () => {
  test('prefers the address the edge saw as external', () => {
    assert.equal(clientIpOf(metadata({ 'x-envoy-external-address': '203.0.113.9', 'x-forwarded-for': '198.51.100.1, 10.0.0.2' }), 'ipv4:10.0.0.5:4000'), '203.0.113.9');
  });

  test('falls back to the last x-forwarded-for hop, the one the edge appended', () => {
    assert.equal(clientIpOf(metadata({ 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }), 'ipv4:10.0.0.5:4000'), '198.51.100.7');
    assert.equal(clientIpOf(metadata({ 'x-forwarded-for': '2001:db8::1' }), 'ipv4:10.0.0.5:4000'), '2001:db8::1');
  });

  test('falls back to the gRPC peer for calls from inside the mesh', () => {
    assert.equal(clientIpOf(new Metadata(), 'ipv4:10.0.0.5:4000'), '10.0.0.5');
    assert.equal(clientIpOf(new Metadata(), 'ipv6:[::1]:4000'), '::1');
  });

  test('ignores values that are not IP addresses', () => {
    assert.equal(clientIpOf(metadata({ 'x-envoy-external-address': 'evil<script>', 'x-forwarded-for': 'unknown' }), '127.0.0.1:1'), '127.0.0.1');
  });

  test('one IPv4 client is one address, also on a dual-stack socket', () => {
    assert.equal(clientIpOf(metadata({ 'x-forwarded-for': '::ffff:198.51.100.7' }), ''), '198.51.100.7');
  });
});

describe('peerIp', () => {
  test('reads every peer shape grpc-js reports', () => {
    assert.equal(peerIp('ipv4:127.0.0.1:50000'), '127.0.0.1');
    assert.equal(peerIp('127.0.0.1:50000'), '127.0.0.1');
    assert.equal(peerIp('ipv6:[2001:db8::2]:443'), '2001:db8::2');
    assert.equal(peerIp('unix:/tmp/sock'), 'unknown');
  });
});

describe('userAgentOf', () => {
  test('caps a client-controlled header before it reaches audit events', () => {
    assert.equal(userAgentOf(metadata({ 'user-agent': 'x'.repeat(1000) })).length, 256);
    assert.equal(userAgentOf(new Metadata()), '');
  });
});

describe('authenticate', () => {
  const callTo = (method: string, authorization: string) => ({ method, metadata: metadata({ authorization }), caller: null }) as unknown as CallContext;
  const rules = { '/t.v1.S/Token': PUBLIC, '/t.v1.S/Me': AUTHENTICATED };
  const handler = authenticate(null, rules)(async () => 'handled');

  test('HTTP Basic on a public method is OAuth2 client authentication, left to the handler', async () => {
    assert.equal(await handler({}, callTo('/t.v1.S/Token', 'Basic Y2xpZW50OnNlY3JldA==')), 'handled');
  });

  test('HTTP Basic anywhere else is refused like any non-Bearer header', async () => {
    await assert.rejects(handler({}, callTo('/t.v1.S/Me', 'Basic Y2xpZW50OnNlY3JldA==')), (err: unknown) => err instanceof DomainError && err.code === 'unauthenticated');
    await assert.rejects(handler({}, callTo('/t.v1.S/Token', 'Digest abc')), (err: unknown) => err instanceof DomainError && err.reason === 'INVALID_TOKEN');
  });
});
