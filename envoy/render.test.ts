// Unit tests of the rendered Envoy bootstrap: no Envoy process, except the
// optional `envoy --mode validate` check when ENVOY_BIN names a binary.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  composeEdgeOptions,
  FILTER_NAMES,
  IDENTITY_SERVICE,
  JWT_OPTIONAL,
  JWT_REQUIRED,
  OAUTH_LUA,
  renderEnvoyConfig,
  SELF_CLUSTER,
  type EdgeOptions,
} from './render.js';

// The rendered bootstrap is plain JSON; walk it untyped.
type J = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const CATALOG = 'shop.catalog.v1.CatalogService';

function localOptions(overrides: Partial<EdgeOptions> = {}): EdgeOptions {
  return {
    listenHost: '127.0.0.1',
    listenPort: 18080,
    adminPort: 19901,
    descriptorPath: fileURLToPath(new URL('./descriptor.binpb', import.meta.url)),
    upstreams: [
      { name: 'identity', host: '127.0.0.1', port: 50051, grpcServices: [IDENTITY_SERVICE] },
      { name: 'catalog', host: '127.0.0.1', port: 50052, grpcServices: [CATALOG] },
    ],
    jwt: { issuer: 'http://127.0.0.1:8080', audience: 'shopmesh', jwksUpstream: 'identity' },
    ...overrides,
  };
}

const render = (o: EdgeOptions = localOptions()): J => renderEnvoyConfig(o);
const hcm = (cfg: J): J => cfg.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const routes = (cfg: J): J[] => hcm(cfg).route_config.virtual_hosts[0].routes;
const route = (cfg: J, name: string): J => {
  const r = routes(cfg).find((x) => x.name === name);
  assert.ok(r, `route ${name}`);
  return r;
};
const filter = (cfg: J, name: string): J => {
  const f = hcm(cfg).http_filters.find((x: J) => x.name === name);
  assert.ok(f, `filter ${name}`);
  return f.typed_config;
};
const cluster = (cfg: J, name: string): J => {
  const c = cfg.static_resources.clusters.find((x: J) => x.name === name);
  assert.ok(c, `cluster ${name}`);
  return c;
};
const jwtOf = (r: J): J => r.typed_per_filter_config?.[FILTER_NAMES.jwt];

test('the bootstrap is plain JSON', () => {
  const cfg = render();
  assert.deepEqual(JSON.parse(JSON.stringify(cfg)), cfg);
});

test('admin listens on loopback only', () => {
  assert.deepEqual(render().admin.address.socket_address, { address: '127.0.0.1', port_value: 19901 });
  const compose = render(composeEdgeOptions());
  assert.equal(compose.admin.address.socket_address.address, '127.0.0.1');
});

test('one listener with HTTP/1.1 and h2c on the same port', () => {
  const cfg = render();
  assert.equal(cfg.static_resources.listeners.length, 1);
  assert.deepEqual(cfg.static_resources.listeners[0].address.socket_address, {
    address: '127.0.0.1',
    port_value: 18080,
  });
  assert.equal(hcm(cfg).codec_type, 'AUTO');
});

test('HTTP filters run in order and end with the router', () => {
  const names = hcm(render()).http_filters.map((f: J) => f.name);
  assert.deepEqual(names, [
    FILTER_NAMES.cors,
    FILTER_NAMES.grpcWeb,
    FILTER_NAMES.rateLimit,
    FILTER_NAMES.jwt,
    FILTER_NAMES.lua,
    FILTER_NAMES.transcoder,
    FILTER_NAMES.router,
  ]);
});

test('every gRPC service gets a prefix route to its upstream', () => {
  const cfg = render();
  for (const [service, clusterName] of [
    [IDENTITY_SERVICE, 'identity'],
    [CATALOG, 'catalog'],
  ] as const) {
    const r = route(cfg, `grpc:${service}`);
    assert.deepEqual(r.match, { prefix: `/${service}/` });
    assert.equal(r.route.cluster, clusterName);
    assert.equal(r.route.timeout, '15s');
    assert.equal(jwtOf(r).requirement_name, JWT_OPTIONAL);
  }
  // The catch-all is last, so it never shadows a service route.
  assert.equal(routes(cfg).at(-1).name, 'fallback');
  // A forwarding route, so the CORS filter answers preflights for /v1/... paths.
  assert.equal(routes(cfg).at(-1).route.cluster, 'identity');
});

test('GET /v1/users/me and GetCurrentUser require a JWT; everything else is optional', () => {
  const cfg = render();
  assert.deepEqual(route(cfg, 'current_user').match, { path_separated_prefix: '/v1/users/me' });
  assert.equal(jwtOf(route(cfg, 'current_user')).requirement_name, JWT_REQUIRED);
  assert.equal(route(cfg, 'current_user_grpc').match.path, `/${IDENTITY_SERVICE}/GetCurrentUser`);
  assert.equal(jwtOf(route(cfg, 'current_user_grpc')).requirement_name, JWT_REQUIRED);
  assert.equal(jwtOf(route(cfg, 'fallback')).requirement_name, JWT_OPTIONAL);
  const vhost = hcm(cfg).route_config.virtual_hosts[0];
  assert.equal(vhost.typed_per_filter_config[FILTER_NAMES.jwt].requirement_name, JWT_OPTIONAL);

  const jwt = filter(cfg, FILTER_NAMES.jwt);
  assert.deepEqual(jwt.requirement_map[JWT_REQUIRED], { provider_name: 'identity' });
  assert.deepEqual(jwt.requirement_map[JWT_OPTIONAL], {
    requires_any: { requirements: [{ provider_name: 'identity' }, { allow_missing: {} }] },
  });
  // Routes that name a requirement name one that exists.
  for (const r of routes(cfg)) {
    const name = jwtOf(r)?.requirement_name;
    if (name) assert.ok(jwt.requirement_map[name], `${r.name}: ${name}`);
  }
});

test('the JWT provider fetches the JWKS through the edge itself, asynchronously', () => {
  const cfg = render(localOptions({ listenHost: '0.0.0.0' }));
  const p = filter(cfg, FILTER_NAMES.jwt).providers.identity;
  assert.equal(p.issuer, 'http://127.0.0.1:8080');
  assert.deepEqual(p.audiences, ['shopmesh']);
  assert.equal(p.forward, true);
  assert.deepEqual(p.from_headers, [{ name: 'Authorization', value_prefix: 'Bearer ' }]);
  assert.equal(p.from_params, undefined);
  assert.equal(p.remote_jwks.http_uri.uri, 'http://127.0.0.1:18080/.well-known/jwks.json');
  assert.equal(p.remote_jwks.http_uri.cluster, SELF_CLUSTER);
  assert.equal(p.remote_jwks.async_fetch.fast_listener, true);
  assert.ok(p.remote_jwks.async_fetch.failed_refetch_duration);
  assert.ok(p.remote_jwks.cache_duration);
  const self = cluster(cfg, SELF_CLUSTER);
  assert.deepEqual(self.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, {
    address: '127.0.0.1',
    port_value: 18080,
  });
  assert.equal(jwtOf(route(cfg, 'jwks')).disabled, true);
});

test('the transcoder knows every service, converts gRPC status and 404s unknown routes', () => {
  const t = filter(render(), FILTER_NAMES.transcoder);
  assert.deepEqual(t.services, [IDENTITY_SERVICE, CATALOG]);
  assert.equal(t.convert_grpc_status, true);
  assert.equal(t.print_options.always_print_primitive_fields, true);
  assert.equal(t.request_validation_options.reject_unknown_method, true);
  assert.equal(t.ignore_unknown_query_parameters, true);
  assert.ok(t.proto_descriptor.endsWith('descriptor.binpb'));
});

test('/healthz is answered by Envoy with JSON, outside auth, transcoding and rate limits', () => {
  const r = route(render(), 'healthz');
  assert.equal(r.match.path, '/healthz');
  assert.deepEqual(r.direct_response, { status: 200, body: { inline_string: '{"status":"ok"}' } });
  assert.ok(r.response_headers_to_add.some((h: J) => h.header.key === 'content-type' && h.header.value === 'application/json'));
  for (const f of [FILTER_NAMES.jwt, FILTER_NAMES.transcoder, FILTER_NAMES.rateLimit]) {
    assert.equal(r.typed_per_filter_config[f].disabled, true, f);
  }
});

test('the OAuth routes (token, revoke, introspect) run the Lua rewrite and forbid caching', () => {
  const cfg = render();
  const lua = filter(cfg, FILTER_NAMES.lua);
  assert.match(lua.source_codes[OAUTH_LUA].inline_string, /function envoy_on_response/);
  assert.equal(lua.default_source_code, undefined, 'Lua runs only where a route asks for it');
  for (const name of ['oauth_token', 'oauth_token_grpc', 'oauth_revoke', 'oauth_revoke_grpc', 'oauth_introspect', 'oauth_introspect_grpc']) {
    const r = route(cfg, name);
    assert.equal(r.typed_per_filter_config[FILTER_NAMES.lua].name, OAUTH_LUA);
    const headers = Object.fromEntries(r.response_headers_to_add.map((h: J) => [h.header.key, h.header.value]));
    assert.deepEqual(headers, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }
  assert.equal(route(cfg, 'oauth_token').match.path, '/v1/oauth/token');
  assert.equal(route(cfg, 'oauth_token_grpc').match.path, `/${IDENTITY_SERVICE}/CreateToken`);
  assert.equal(route(cfg, 'oauth_revoke').match.path, '/v1/oauth/revoke');
  assert.equal(route(cfg, 'oauth_revoke_grpc').match.path, `/${IDENTITY_SERVICE}/RevokeToken`);
  assert.equal(route(cfg, 'oauth_introspect').match.path, '/v1/oauth/introspect');
  assert.equal(route(cfg, 'oauth_introspect_grpc').match.path, `/${IDENTITY_SERVICE}/IntrospectToken`);
});

test('token and revocation pass HTTP Basic client credentials; introspection verifies a bearer token at the edge', () => {
  const cfg = render();
  for (const name of ['oauth_token', 'oauth_token_grpc', 'oauth_revoke', 'oauth_revoke_grpc']) assert.equal(jwtOf(route(cfg, name)).disabled, true, name);
  for (const name of ['oauth_introspect', 'oauth_introspect_grpc']) assert.equal(jwtOf(route(cfg, name)).requirement_name, JWT_OPTIONAL, name);
  // jwt_authn reads only "Authorization: Bearer", so a Basic header elsewhere is simply no token.
  const provider = filter(cfg, FILTER_NAMES.jwt).providers.identity;
  assert.deepEqual(provider.from_headers, [{ name: 'Authorization', value_prefix: 'Bearer ' }]);
});

test('local replies become google.rpc.Status JSON with the HTTP status kept', () => {
  const mappers: J[] = hcm(render()).local_reply_config.mappers;
  const codeFor = (status: number): number | undefined => {
    const m = mappers.find((x) =>
      x.filter.and_filter.filters.some(
        (f: J) => f.status_code_filter?.comparison.op === 'EQ' && f.status_code_filter.comparison.value.default_value === status,
      ),
    );
    return m?.body_format_override.json_format.code;
  };
  assert.equal(codeFor(400), 3);
  assert.equal(codeFor(401), 16);
  assert.equal(codeFor(403), 7);
  assert.equal(codeFor(404), 5);
  assert.equal(codeFor(429), 8);
  assert.equal(codeFor(503), 14);
  assert.equal(codeFor(504), 4);
  for (const m of mappers) {
    assert.equal(m.body_format_override.content_type, 'application/json');
    assert.equal(m.body_format_override.json_format.message, '%LOCAL_REPLY_BODY%');
    assert.equal(m.status_code, undefined, 'the HTTP status is never changed');
  }
  const last = mappers.at(-1);
  assert.equal(last.filter.and_filter.filters[0].status_code_filter.comparison.op, 'GE');
  assert.equal(last.body_format_override.json_format.code, 2);
});

test('the rate limit is a token bucket', () => {
  const rl = filter(render(localOptions({ rateLimit: { maxTokens: 10, tokensPerFill: 5, fillIntervalMs: 2000 } })), FILTER_NAMES.rateLimit);
  assert.deepEqual(rl.token_bucket, { max_tokens: 10, tokens_per_fill: 5, fill_interval: '2s' });
  assert.equal(rl.filter_enforced.default_value.numerator, 100);
});

test('the access log is JSON without Authorization or query strings', () => {
  const log = hcm(render()).access_log[0];
  assert.equal(log.name, 'envoy.access_loggers.stdout');
  const fields = log.typed_config.log_format.json_format;
  const text = JSON.stringify(fields).toLowerCase();
  assert.ok(!text.includes('authorization'));
  assert.match(fields.path, /^%REQ_WITHOUT_QUERY\(/);
  for (const key of ['method', 'path', 'status', 'duration_ms', 'upstream_cluster', 'request_id', 'user_agent']) {
    assert.ok(fields[key], key);
  }
  assert.ok(!/%REQ\(:PATH\)%/.test(JSON.stringify(fields)), 'no raw :path (it has the query)');
  const file = hcm(render(localOptions({ accessLog: '/var/log/edge.json' }))).access_log[0];
  assert.equal(file.name, 'envoy.access_loggers.file');
  assert.equal(file.typed_config.path, '/var/log/edge.json');
});

test('upstream clusters speak HTTP/2 with outlier detection and circuit breakers', () => {
  const c = cluster(render(), 'catalog');
  assert.equal(c.type, 'STATIC');
  assert.ok(c.connect_timeout);
  const opts = c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  assert.ok(opts.explicit_http_config.http2_protocol_options);
  assert.ok(c.outlier_detection.consecutive_5xx > 0);
  assert.ok(c.outlier_detection.consecutive_gateway_failure > 0);
  assert.ok(c.circuit_breakers.thresholds[0].max_requests > 0);
});

test('CORS allows any origin by default, or exactly the listed ones', () => {
  const policyOf = (cfg: J) => hcm(cfg).route_config.virtual_hosts[0].typed_per_filter_config[FILTER_NAMES.cors];
  assert.deepEqual(policyOf(render()).allow_origin_string_match, [{ safe_regex: { regex: '.*' } }]);
  const listed = policyOf(render(localOptions({ corsAllowedOrigins: ['https://shop.example'] })));
  assert.deepEqual(listed.allow_origin_string_match, [{ exact: 'https://shop.example' }]);
  assert.match(listed.allow_headers, /authorization/);
  assert.match(listed.expose_headers, /grpc-status/);
});

test('compose options: DNS upstreams, public listener, descriptor under /etc/envoy', () => {
  const o = composeEdgeOptions();
  assert.equal(o.listenHost, '0.0.0.0');
  assert.equal(o.listenPort, 8080);
  assert.equal(o.descriptorPath, '/etc/envoy/descriptor.binpb');
  const cfg = render(o);
  for (const [name, port] of [
    ['identity', 50051],
    ['catalog', 50052],
  ] as const) {
    const c = cluster(cfg, name);
    assert.equal(c.type, 'STRICT_DNS');
    assert.deepEqual(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, {
      address: name,
      port_value: port,
    });
  }
  assert.equal(
    filter(cfg, FILTER_NAMES.jwt).providers.identity.remote_jwks.http_uri.uri,
    'http://127.0.0.1:8080/.well-known/jwks.json',
  );
});

test('bad options are rejected', () => {
  assert.throws(() => render(localOptions({ jwt: { issuer: 'i', audience: 'a', jwksUpstream: 'nope' } })), /jwksUpstream/);
  assert.throws(
    () =>
      render(
        localOptions({
          upstreams: [
            { name: 'a', host: '127.0.0.1', port: 1, grpcServices: [CATALOG] },
            { name: 'identity', host: '127.0.0.1', port: 2, grpcServices: [CATALOG] },
          ],
        }),
      ),
    /two upstreams/,
  );
  assert.throws(() => render(localOptions({ adminPort: 18080 })), /differ/);
});

// npm test installs Envoy into .tools/bin, so the check always runs there.
const LOCAL_ENVOY = fileURLToPath(new URL('../.tools/bin/envoy', import.meta.url));
const envoyBin = process.env.ENVOY_BIN ?? (existsSync(LOCAL_ENVOY) ? LOCAL_ENVOY : undefined);
test('envoy --mode validate accepts the config', { skip: !envoyBin && 'set ENVOY_BIN to run' }, () => {
  const options = localOptions();
  if (!existsSync(options.descriptorPath)) return; // run `npm run gen` first
  const dir = mkdtempSync(join(tmpdir(), 'edge-'));
  try {
    const file = join(dir, 'envoy.json');
    writeFileSync(file, JSON.stringify(renderEnvoyConfig(options)));
    const out = execFileSync(envoyBin!, ['--mode', 'validate', '-c', file, '--use-dynamic-base-id', '--log-level', 'error'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.match(out, /OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the edge takes the client address from the socket and lets no client send the headers services trust for it', () => {
  const h = hcm(render());
  assert.equal(h.use_remote_address, true);
  assert.equal(h.xff_num_trusted_hops, 0);
  const removed = h.early_header_mutation_extensions[0].typed_config.mutations.map((m: J) => m.remove);
  for (const header of ['x-envoy-external-address', 'x-envoy-internal', 'x-envoy-original-method']) assert.ok(removed.includes(header), header);
});
