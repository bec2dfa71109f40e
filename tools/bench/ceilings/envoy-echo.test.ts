import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FILTER_NAMES } from '../../../envoy/render.js';
import { ECHO_SERVICE } from './echo-server.js';
import { echoEnvoyConfig } from './envoy-echo.js';

describe('echo edge config', () => {
  const config = echoEnvoyConfig({ listenPort: 18080, adminPort: 19901, echoPort: 15000, descriptorPath: '/w/echo.binpb', accessLog: '/w/access.log' }) as any;
  const hcm = config.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const filter = (name: string) => hcm.http_filters.find((f: any) => f.name === name)?.typed_config;

  it('is the real edge: the same filter chain in the same order', () => {
    assert.deepEqual(hcm.http_filters.map((f: any) => f.name), [
      FILTER_NAMES.cors, FILTER_NAMES.grpcWeb, FILTER_NAMES.rateLimit, FILTER_NAMES.jwt, FILTER_NAMES.lua, FILTER_NAMES.transcoder, FILTER_NAMES.router,
    ]);
  });

  it('transcodes the echo service with the echo descriptor set and sends it to the echo server over HTTP/2', () => {
    assert.deepEqual(filter(FILTER_NAMES.transcoder).services, [ECHO_SERVICE]);
    assert.equal(filter(FILTER_NAMES.transcoder).proto_descriptor, '/w/echo.binpb');
    const echo = config.static_resources.clusters.find((c: any) => c.name === 'echo');
    assert.equal(echo.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 15000);
    assert.ok(echo.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config.http2_protocol_options);
  });

  it('keeps the token bucket far above any rate it could measure and logs to the given file', () => {
    assert.ok(filter(FILTER_NAMES.rateLimit).token_bucket.tokens_per_fill >= 1_000_000);
    assert.equal(hcm.access_log[0].typed_config.path, '/w/access.log');
  });
});
