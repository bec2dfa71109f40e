// Renders the Envoy bootstrap of the public edge: one HTTP/1.1 + h2c listener
// that serves native gRPC, gRPC-Web and JSON (transcoded with the descriptor set
// built by tools/gen.sh) on the same port, verifies JWTs against the identity
// service's JWKS, rate limits, and turns every error Envoy makes itself into a
// google.rpc.Status-shaped JSON body.
//
//   npx tsx envoy/render.ts --compose [--out file.json]
//
// prints (or writes) the compose bootstrap as JSON; Envoy takes it with -c file.json.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SERVICE_MAP, STREAMING_METHODS } from '../services/platform/src/service-map.js';
import { OAUTH_ERRORS_LUA } from './oauth-errors.js';

export interface EdgeUpstream {
  /** Cluster name, e.g. "catalog". */
  name: string;
  host: string;
  port: number;
  /** More instances of the same service (benchmarks' scale-out); Envoy balances round robin over all. */
  moreEndpoints?: { host: string; port: number }[];
  /** Fully qualified gRPC services this upstream serves, e.g. "shop.catalog.v1.CatalogService". */
  grpcServices: string[];
}

export interface EdgeOptions {
  listenHost: string;
  listenPort: number;
  /** The admin interface always binds 127.0.0.1. */
  adminPort: number;
  upstreams: EdgeUpstream[];
  /** The descriptor set (envoy/descriptor.binpb) as Envoy will see the path. */
  descriptorPath: string;
  /** true: upstream hosts are DNS names (STRICT_DNS, docker compose); false: IP literals (STATIC). */
  dnsUpstreams?: boolean;
  jwt: {
    issuer: string;
    audience: string;
    /** Name of the upstream serving /.well-known/jwks.json (fetched through this edge itself). */
    jwksUpstream: string;
    /**
     * How long a fetched JWKS is trusted (default 120). Envoy does not refetch on an
     * unknown kid: identity must publish a new key this long before signing with it.
     */
    jwksCacheSeconds?: number;
  };
  rateLimit?: { maxTokens: number; tokensPerFill: number; fillIntervalMs: number };
  /** Exact origins allowed by CORS; default: any origin. */
  corsAllowedOrigins?: string[];
  /** "stdout" (default) or a file path. */
  accessLog?: 'stdout' | (string & {});
}

/** gRPC service whose methods get special edge treatment. */
export const IDENTITY_SERVICE = 'shop.identity.v1.IdentityService';
export const OAUTH_TOKEN_PATH = '/v1/oauth/token';
export const OAUTH_REVOKE_PATH = '/v1/oauth/revoke';
export const OAUTH_INTROSPECT_PATH = '/v1/oauth/introspect';
export const CURRENT_USER_PATH = '/v1/users/me';
export const JWKS_PATH = '/.well-known/jwks.json';
export const HEALTH_PATH = '/healthz';
export const JWT_PROVIDER = 'identity';
/** Cluster that loops back to this edge's own listener (for the JWKS fetch). */
export const SELF_CLUSTER = 'edge_self';
export const DEFAULT_ROUTE_TIMEOUT = '15s';
export const DEFAULT_RATE_LIMIT = { maxTokens: 200, tokensPerFill: 100, fillIntervalMs: 1000 } as const;

const FILTER = {
  cors: 'envoy.filters.http.cors',
  jwt: 'envoy.filters.http.jwt_authn',
  grpcWeb: 'envoy.filters.http.grpc_web',
  lua: 'envoy.filters.http.lua',
  transcoder: 'envoy.filters.http.grpc_json_transcoder',
  rateLimit: 'envoy.filters.http.local_ratelimit',
  router: 'envoy.filters.http.router',
} as const;
export { FILTER as FILTER_NAMES };

const T = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  corsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  jwt: 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  jwtPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig',
  grpcWeb: 'type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb',
  lua: 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua',
  luaPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute',
  transcoder: 'type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder',
  transcoderPerRoute:
    'type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoderPerRoute',
  rateLimit: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  filterConfig: 'type.googleapis.com/envoy.config.route.v3.FilterConfig',
  httpOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  stdoutLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  fileLog: 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
  reqWithoutQuery: 'type.googleapis.com/envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery',
  earlyHeaderMutation:
    'type.googleapis.com/envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation',
  downstreamConnections:
    'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
} as const;

/**
 * Headers a client may not send: the edge removes them before anything reads them,
 * and only Envoy itself sets them. Services trust x-envoy-external-address as the
 * client IP (services/platform/src/grpc/interceptors.ts clientIpOf).
 */
export const CLIENT_HEADERS_REMOVED_AT_EDGE = ['x-envoy-original-method', 'x-envoy-external-address', 'x-envoy-internal'] as const;

/** Names in the jwt_authn requirement_map, chosen per route. */
export const JWT_OPTIONAL = 'jwt_optional';
export const JWT_REQUIRED = 'jwt_required';

/** Lua source registered under this name; enabled only on the token routes. */
export const OAUTH_LUA = 'oauth_errors';

/**
 * HTTP status of a local reply -> google.rpc.Code, following google/rpc/code.proto's
 * HTTP mapping (the one the transcoder uses the other way round).
 */
export const LOCAL_REPLY_CODES: ReadonlyArray<readonly [status: number, grpcCode: number]> = [
  [400, 3], // INVALID_ARGUMENT
  [401, 16], // UNAUTHENTICATED
  [403, 7], // PERMISSION_DENIED
  [404, 5], // NOT_FOUND
  [405, 12], // UNIMPLEMENTED
  [408, 4], // DEADLINE_EXCEEDED
  [409, 10], // ABORTED
  [413, 8], // RESOURCE_EXHAUSTED
  [429, 8], // RESOURCE_EXHAUSTED
  [431, 8], // RESOURCE_EXHAUSTED
  [499, 1], // CANCELLED
  [500, 13], // INTERNAL
  [501, 12], // UNIMPLEMENTED
  [502, 14], // UNAVAILABLE
  [503, 14], // UNAVAILABLE
  [504, 4], // DEADLINE_EXCEEDED
];

const typed = (type: string, body: Record<string, unknown> = {}) => ({ '@type': type, ...body });
const duration = (ms: number) => `${ms / 1000}s`;

function assertOptions(o: EdgeOptions): void {
  const names = new Set<string>();
  const services = new Set<string>();
  for (const u of o.upstreams) {
    if (!/^[A-Za-z0-9_.-]+$/.test(u.name)) throw new Error(`edge: bad upstream name ${JSON.stringify(u.name)}`);
    if (names.has(u.name) || u.name === SELF_CLUSTER) throw new Error(`edge: duplicate upstream ${u.name}`);
    names.add(u.name);
    if (!Number.isInteger(u.port) || u.port <= 0 || u.port > 65535) throw new Error(`edge: bad port for ${u.name}`);
    for (const s of u.grpcServices) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(s)) throw new Error(`edge: bad gRPC service ${s}`);
      if (services.has(s)) throw new Error(`edge: gRPC service ${s} served by two upstreams`);
      services.add(s);
    }
  }
  if (services.size === 0) throw new Error('edge: no gRPC services to route');
  if (!names.has(o.jwt.jwksUpstream)) throw new Error(`edge: jwksUpstream ${o.jwt.jwksUpstream} is not an upstream`);
  for (const p of [o.listenPort, o.adminPort]) {
    if (!Number.isInteger(p) || p <= 0 || p > 65535) throw new Error(`edge: bad port ${p}`);
  }
  if (o.listenPort === o.adminPort) throw new Error('edge: listenPort and adminPort must differ');
  const rl = o.rateLimit;
  if (rl && !(rl.maxTokens > 0 && rl.tokensPerFill > 0 && rl.fillIntervalMs >= 50)) {
    throw new Error('edge: rateLimit needs maxTokens > 0, tokensPerFill > 0, fillIntervalMs >= 50');
  }
}

/** The address Envoy uses to reach its own listener. */
function selfAddress(o: EdgeOptions): string {
  return ['0.0.0.0', '::', '', '[::]'].includes(o.listenHost) ? '127.0.0.1' : o.listenHost;
}

function socketAddress(address: string, port: number) {
  return { socket_address: { address, port_value: port } };
}

// ---------------------------------------------------------------- per-route configs

function jwtRequirement(name: string) {
  return { [FILTER.jwt]: typed(T.jwtPerRoute, { requirement_name: name }) };
}
const jwtDisabled = () => ({ [FILTER.jwt]: typed(T.jwtPerRoute, { disabled: true }) });
const disabled = (filter: string) => ({ [filter]: typed(T.filterConfig, { disabled: true }) });
const luaOauth = () => ({ [FILTER.lua]: typed(T.luaPerRoute, { name: OAUTH_LUA }) });

const overwrite = (key: string, value: string) => ({
  header: { key, value },
  append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
});
const NO_STORE_HEADERS = [overwrite('cache-control', 'no-store'), overwrite('pragma', 'no-cache')];

// ---------------------------------------------------------------- routes

function upstreamAction(cluster: string) {
  return {
    cluster,
    // Applies to gRPC calls too. (Not max_stream_duration.grpc_timeout_header_max:
    // with it, a gRPC request without grpc-timeout, which is every transcoded
    // one, gets no timeout at all.) Services still see the caller's grpc-timeout.
    timeout: DEFAULT_ROUTE_TIMEOUT,
    idle_timeout: '60s',
    // Only retry what never reached the service: safe for non-idempotent calls.
    retry_policy: {
      retry_on: 'connect-failure,refused-stream,reset-before-request',
      num_retries: 2,
      retry_back_off: { base_interval: '0.05s', max_interval: '0.5s' },
    },
  };
}

function buildRoutes(o: EdgeOptions) {
  const serviceCluster = new Map<string, string>();
  for (const u of o.upstreams) for (const s of u.grpcServices) serviceCluster.set(s, u.name);
  const identityCluster = serviceCluster.get(IDENTITY_SERVICE) ?? o.jwt.jwksUpstream;
  const hasIdentity = serviceCluster.has(IDENTITY_SERVICE);

  const routes: object[] = [];

  // Answered by Envoy itself: no auth, no transcoding, no rate limit.
  routes.push({
    name: 'healthz',
    match: { path: HEALTH_PATH, headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
    direct_response: { status: 200, body: { inline_string: '{"status":"ok"}' } },
    response_headers_to_add: [overwrite('content-type', 'application/json'), overwrite('cache-control', 'no-store')],
    typed_per_filter_config: {
      ...jwtDisabled(),
      ...disabled(FILTER.transcoder),
      ...disabled(FILTER.rateLimit),
    },
  });

  // JWKS (IdentityService.GetJwks, transcoded). Envoy fetches it here too.
  routes.push({
    name: 'jwks',
    match: { path: JWKS_PATH },
    route: upstreamAction(o.jwt.jwksUpstream),
    typed_per_filter_config: jwtDisabled(),
  });

  if (hasIdentity) {
    // OAuth2 endpoints: RFC 6749 error bodies, no caching. Token and revocation: no
    // JWT checks (clients may authenticate with Basic credentials in Authorization,
    // and a logout must work with an expired access token around). Introspection is
    // called with a bearer token (tokens.introspect), which the edge verifies.
    const oauthRoute = (name: string, match: object, jwt: object) => ({
      name,
      match,
      route: upstreamAction(identityCluster),
      response_headers_to_add: NO_STORE_HEADERS,
      typed_per_filter_config: { ...jwt, ...luaOauth() },
    });
    for (const [name, path, method, jwt] of [
      ['oauth_token', OAUTH_TOKEN_PATH, 'CreateToken', jwtDisabled()],
      ['oauth_revoke', OAUTH_REVOKE_PATH, 'RevokeToken', jwtDisabled()],
      ['oauth_introspect', OAUTH_INTROSPECT_PATH, 'IntrospectToken', jwtRequirement(JWT_OPTIONAL)],
    ] as const) {
      routes.push(oauthRoute(name, { path }, jwt));
      // After transcoding, the route is re-selected by the gRPC path; native gRPC
      // calls land here directly.
      routes.push(oauthRoute(`${name}_grpc`, { path: `/${IDENTITY_SERVICE}/${method}` }, jwt));
    }

    // The caller's own account: a bearer token is required at the edge.
    routes.push({
      name: 'current_user',
      match: { path_separated_prefix: CURRENT_USER_PATH },
      route: upstreamAction(identityCluster),
      typed_per_filter_config: jwtRequirement(JWT_REQUIRED),
    });
    routes.push({
      name: 'current_user_grpc',
      match: { path: `/${IDENTITY_SERVICE}/GetCurrentUser` },
      route: upstreamAction(identityCluster),
      typed_per_filter_config: jwtRequirement(JWT_REQUIRED),
    });
  }

  // Streams (WatchOrder): no route timeout, only an idle limit above the stream's own
  // ten-minute cap. Before the per-service routes, which would cut them at 15 s.
  for (const path of STREAMING_METHODS) {
    const cluster = serviceCluster.get(path.split('/')[1]!);
    if (!cluster) continue;
    routes.push({
      name: `stream:${path.slice(1)}`,
      match: { path },
      route: { ...upstreamAction(cluster), timeout: '0s', idle_timeout: '660s' },
      typed_per_filter_config: jwtRequirement(JWT_OPTIONAL),
    });
  }

  // One prefix route per gRPC service: native gRPC, gRPC-Web, and transcoded
  // JSON (whose path the transcoder rewrites to /<service>/<method>).
  for (const [service, cluster] of serviceCluster) {
    routes.push({
      name: `grpc:${service}`,
      match: { prefix: `/${service}/` },
      route: upstreamAction(cluster),
      typed_per_filter_config: jwtRequirement(JWT_OPTIONAL),
    });
  }

  // Everything else. Transcoded JSON requests (/v1/...) match this route first,
  // so its JWT requirement (optional) and CORS policy are the ones they get; the
  // transcoder then rewrites :path to /<service>/<method> and the route is
  // re-selected above. Unknown HTTP routes get 404 from the transcoder. It must be a
  // forwarding route, not a direct response: Envoy's CORS filter ignores routes
  // without a route entry, so preflights for /v1/... would go unanswered. The only
  // requests that reach its upstream are gRPC calls to unknown services, which the
  // identity server answers with UNIMPLEMENTED.
  routes.push({
    name: 'fallback',
    match: { prefix: '/' },
    route: upstreamAction(identityCluster),
    typed_per_filter_config: jwtRequirement(JWT_OPTIONAL),
  });
  return routes;
}

// ---------------------------------------------------------------- filters

function corsPolicy(o: EdgeOptions) {
  const origins = o.corsAllowedOrigins;
  return typed(T.corsPolicy, {
    allow_origin_string_match:
      origins && origins.length > 0 ? origins.map((exact) => ({ exact })) : [{ safe_regex: { regex: '.*' } }],
    allow_methods: 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    allow_headers: [
      'authorization', 'content-type', 'accept', 'x-request-id', 'x-grpc-web', 'x-user-agent',
      'grpc-timeout', 'if-match', 'if-none-match',
    ].join(', '),
    expose_headers: [
      'grpc-status', 'grpc-message', 'grpc-status-details-bin', 'x-request-id', 'www-authenticate',
      'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'etag',
    ].join(', '),
    max_age: '86400',
    // Bearer tokens, not cookies: credentials mode is never needed.
    allow_credentials: false,
  });
}

function jwtFilter(o: EdgeOptions) {
  const uri = `http://${selfAddress(o)}:${o.listenPort}${JWKS_PATH}`;
  return typed(T.jwt, {
    providers: {
      [JWT_PROVIDER]: {
        issuer: o.jwt.issuer,
        audiences: [o.jwt.audience],
        remote_jwks: {
          http_uri: { uri, cluster: SELF_CLUSTER, timeout: '5s' },
          cache_duration: `${o.jwt.jwksCacheSeconds ?? 120}s`,
          // Fetch in the background: the listener starts even while identity is
          // down, and a failed fetch is retried soon rather than after cache_duration.
          async_fetch: { fast_listener: true, failed_refetch_duration: '3s' },
          retry_policy: {
            num_retries: 3,
            retry_back_off: { base_interval: '0.2s', max_interval: '2s' },
          },
        },
        // Only "Authorization: Bearer"; never tokens from query strings (they end up in logs).
        from_headers: [{ name: 'Authorization', value_prefix: 'Bearer ' }],
        // Services verify the token again.
        forward: true,
        clock_skew_seconds: 30,
        jwt_cache_config: { jwt_cache_size: 1000 },
      },
    },
    requirement_map: {
      // A missing token passes; a present but invalid or expired one is 401.
      [JWT_OPTIONAL]: {
        requires_any: { requirements: [{ provider_name: JWT_PROVIDER }, { allow_missing: {} }] },
      },
      [JWT_REQUIRED]: { provider_name: JWT_PROVIDER },
    },
    bypass_cors_preflight: true,
  });
}

function transcoderFilter(o: EdgeOptions) {
  const services = o.upstreams.flatMap((u) => u.grpcServices);
  return typed(T.transcoder, {
    proto_descriptor: o.descriptorPath,
    services,
    print_options: {
      add_whitespace: false,
      always_print_primitive_fields: true,
      always_print_enums_as_ints: false,
      preserve_proto_field_names: false,
      // Server streams (WatchOrder) reach JSON clients as one object per line, not one array.
      stream_newline_delimited: true,
    },
    convert_grpc_status: true,
    // Tracking or cache-busting parameters (utm_*, _=123) must not turn a known
    // route into a 404 or an untranscoded pass-through.
    ignore_unknown_query_parameters: true,
    // HTML-form semantics: "+" in a query value is a space.
    query_param_unescape_plus: true,
    case_insensitive_enum_parsing: true,
    request_validation_options: {
      // Non-gRPC requests that map to no method: 404 here instead of passing through.
      reject_unknown_method: true,
      reject_binding_body_field_collisions: true,
    },
    max_request_body_size: 1 << 20,
    max_response_body_size: 4 << 20,
  });
}

function rateLimitFilter(o: EdgeOptions) {
  const rl = o.rateLimit ?? DEFAULT_RATE_LIMIT;
  const always = (runtime_key: string) => ({
    default_value: { numerator: 100, denominator: 'HUNDRED' },
    runtime_key,
  });
  return typed(T.rateLimit, {
    stat_prefix: 'edge_rate_limit',
    token_bucket: {
      max_tokens: rl.maxTokens,
      tokens_per_fill: rl.tokensPerFill,
      fill_interval: duration(rl.fillIntervalMs),
    },
    filter_enabled: always('edge_rate_limit.enabled'),
    filter_enforced: always('edge_rate_limit.enforced'),
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
    // gRPC clients see RESOURCE_EXHAUSTED rather than UNAVAILABLE.
    rate_limited_as_resource_exhausted: true,
  });
}

function httpFilters(o: EdgeOptions) {
  return [
    { name: FILTER.cors, typed_config: typed(T.cors) },
    // Before everything that can answer on its own, so that its replies (401,
    // 404, 429...) reach gRPC-Web clients as gRPC-Web.
    { name: FILTER.grpcWeb, typed_config: typed(T.grpcWeb) },
    // Cheapest rejection first: floods of bad tokens or unknown paths spend
    // tokens too, not only requests that reach a service.
    { name: FILTER.rateLimit, typed_config: rateLimitFilter(o) },
    { name: FILTER.jwt, typed_config: jwtFilter(o) },
    // Before the transcoder so that, on the way back, it sees the transcoded
    // JSON error body. Runs only where a route names OAUTH_LUA.
    {
      name: FILTER.lua,
      typed_config: typed(T.lua, { source_codes: { [OAUTH_LUA]: { inline_string: OAUTH_ERRORS_LUA } } }),
    },
    { name: FILTER.transcoder, typed_config: transcoderFilter(o) },
    // No x-envoy-* headers to clients or services from a public edge.
    { name: FILTER.router, typed_config: typed(T.router, { suppress_envoy_headers: true }) },
  ];
}

// ---------------------------------------------------------------- errors and logs

/** Local replies (jwt_authn, transcoder, rate limit, router, direct 404) as google.rpc.Status JSON. */
function localReplyConfig(o: EdgeOptions) {
  // A rate-limited client may retry once the bucket has refilled.
  const retryAfter = Math.max(1, Math.ceil((o.rateLimit ?? DEFAULT_RATE_LIMIT).fillIntervalMs / 1000));
  // gRPC and gRPC-Web callers get a trailers-only gRPC reply instead; its
  // grpc-message should stay plain text. The filter sees the request headers as
  // they are when the reply is made: a request the transcoder has already
  // rewritten says application/grpc too, but it also carries
  // x-envoy-original-method (added by the transcoder), so it still gets JSON.
  const notGrpc = {
    or_filter: {
      filters: [
        {
          header_filter: {
            header: {
              name: 'content-type',
              string_match: { prefix: 'application/grpc' },
              invert_match: true,
              // Without this an absent content-type (any GET) would not match at all.
              treat_missing_header_as_empty: true,
            },
          },
        },
        { header_filter: { header: { name: 'x-envoy-original-method', present_match: true } } },
      ],
    },
  };
  const statusIs = (code: number) => ({
    status_code_filter: { comparison: { op: 'EQ', value: { default_value: code, runtime_key: `edge_local_reply.${code}` } } },
  });
  const statusAtLeast = (code: number) => ({
    status_code_filter: { comparison: { op: 'GE', value: { default_value: code, runtime_key: `edge_local_reply.ge${code}` } } },
  });
  const jsonBody = (grpcCode: number) => ({
    json_format: { code: grpcCode, message: '%LOCAL_REPLY_BODY%' },
    content_type: 'application/json',
  });
  const mapper = (filter: object, grpcCode: number, extra: object = {}) => ({
    filter: { and_filter: { filters: [filter, notGrpc] } },
    body_format_override: jsonBody(grpcCode),
    ...extra,
  });
  return {
    mappers: [
      ...LOCAL_REPLY_CODES.map(([status, grpcCode]) =>
        mapper(
          statusIs(status),
          grpcCode,
          status === 429 ? { headers_to_add: [overwrite('retry-after', String(retryAfter))] } : {},
        ),
      ),
      mapper(statusAtLeast(400), 2), // UNKNOWN
    ],
  };
}

function accessLog(o: EdgeOptions) {
  const log_format = {
    json_format: {
      time: '%START_TIME%',
      // The transcoder rewrites :method to POST and keeps the client's in this header.
      method: '%REQ(X-ENVOY-ORIGINAL-METHOD?:METHOD)%',
      // The client's path without the query string (may carry secrets); the
      // transcoder rewrites :path to the gRPC method, kept separately.
      path: '%REQ_WITHOUT_QUERY(X-ENVOY-ORIGINAL-PATH?:PATH)%',
      upstream_path: '%REQ_WITHOUT_QUERY(:PATH)%',
      protocol: '%PROTOCOL%',
      status: '%RESPONSE_CODE%',
      grpc_status: '%GRPC_STATUS_NUMBER%',
      flags: '%RESPONSE_FLAGS%',
      details: '%RESPONSE_CODE_DETAILS%',
      duration_ms: '%DURATION%',
      upstream_cluster: '%UPSTREAM_CLUSTER%',
      upstream_host: '%UPSTREAM_HOST%',
      bytes_in: '%BYTES_RECEIVED%',
      bytes_out: '%BYTES_SENT%',
      request_id: '%REQ(X-REQUEST-ID)%',
      user_agent: '%REQ(USER-AGENT)%',
      client: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%',
      authority: '%REQ(:AUTHORITY)%',
    },
    formatters: [{ name: 'envoy.formatter.req_without_query', typed_config: typed(T.reqWithoutQuery) }],
  };
  const target = o.accessLog ?? 'stdout';
  return [
    target === 'stdout'
      ? { name: 'envoy.access_loggers.stdout', typed_config: typed(T.stdoutLog, { log_format }) }
      : { name: 'envoy.access_loggers.file', typed_config: typed(T.fileLog, { path: target, log_format }) },
  ];
}

// ---------------------------------------------------------------- clusters

function upstreamCluster(u: EdgeUpstream, dns: boolean) {
  return {
    name: u.name,
    type: dns ? 'STRICT_DNS' : 'STATIC',
    ...(dns ? { dns_lookup_family: 'V4_PREFERRED' } : {}),
    connect_timeout: '2s',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: u.name,
      endpoints: [{ lb_endpoints: [{ host: u.host, port: u.port }, ...(u.moreEndpoints ?? [])].map((e) => ({ endpoint: { address: socketAddress(e.host, e.port) } })) }],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed(T.httpOptions, {
        common_http_protocol_options: { idle_timeout: '300s' },
        explicit_http_config: {
          http2_protocol_options: {
            connection_keepalive: { interval: '30s', timeout: '5s' },
          },
        },
      }),
    },
    circuit_breakers: {
      thresholds: [
        { priority: 'DEFAULT', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
      ],
    },
    outlier_detection: {
      consecutive_5xx: 5,
      consecutive_gateway_failure: 3,
      enforcing_consecutive_5xx: 100,
      enforcing_consecutive_gateway_failure: 100,
      interval: '5s',
      base_ejection_time: '15s',
      max_ejection_time: '120s',
      max_ejection_percent: 50,
    },
  };
}

function selfCluster(o: EdgeOptions) {
  return {
    name: SELF_CLUSTER,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: SELF_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(selfAddress(o), o.listenPort) } }] }],
    },
  };
}

// ---------------------------------------------------------------- bootstrap

export function renderEnvoyConfig(o: EdgeOptions): object {
  assertOptions(o);
  const hcm = typed(T.hcm, {
    stat_prefix: 'edge',
    // AUTO: HTTP/1.1 and HTTP/2 with prior knowledge (h2c, e.g. grpcurl -plaintext).
    codec_type: 'AUTO',
    use_remote_address: true,
    xff_num_trusted_hops: 0,
    generate_request_id: true,
    preserve_external_request_id: false,
    always_set_request_id_in_response: true,
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: 'REJECT_REQUEST',
    server_name: 'shopmesh-edge',
    request_headers_timeout: '10s',
    stream_idle_timeout: '300s',
    common_http_protocol_options: { idle_timeout: '900s', headers_with_underscores_action: 'REJECT_REQUEST' },
    http_protocol_options: {},
    http2_protocol_options: {
      max_concurrent_streams: 100,
      initial_stream_window_size: 65536,
      initial_connection_window_size: 1048576,
    },
    access_log: accessLog(o),
    local_reply_config: localReplyConfig(o),
    // Runs before Envoy's own header handling. Envoy strips most x-envoy-* headers
    // from external requests, but not x-envoy-original-method, which the transcoder
    // sets and the access log and local replies trust. And it keeps every x-envoy-*
    // header of a request it deems internal (any address in internal_address_config;
    // RFC 1918 in older Envoy defaults, so any client behind a docker bridge or a
    // private load balancer): services read the client IP from
    // x-envoy-external-address, so a client must never be able to send its own.
    early_header_mutation_extensions: [
      {
        name: 'envoy.http.early_header_mutation.header_mutation',
        typed_config: typed(T.earlyHeaderMutation, {
          mutations: CLIENT_HEADERS_REMOVED_AT_EDGE.map((remove) => ({ remove })),
        }),
      },
    ],
    route_config: {
      name: 'edge',
      virtual_hosts: [
        {
          name: 'edge',
          domains: ['*'],
          routes: buildRoutes(o),
          typed_per_filter_config: {
            [FILTER.cors]: corsPolicy(o),
            ...jwtRequirement(JWT_OPTIONAL),
          },
        },
      ],
    },
    http_filters: httpFilters(o),
  });

  return {
    node: { id: 'shopmesh-edge', cluster: 'shopmesh-edge' },
    admin: { address: socketAddress('127.0.0.1', o.adminPort) },
    overload_manager: {
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: typed(T.downstreamConnections, { max_active_downstream_connections: 10000 }),
        },
      ],
    },
    static_resources: {
      listeners: [
        {
          name: 'edge',
          address: socketAddress(o.listenHost, o.listenPort),
          per_connection_buffer_limit_bytes: 1 << 20,
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }],
        },
      ],
      clusters: [...o.upstreams.map((u) => upstreamCluster(u, o.dnsUpstreams ?? false)), selfCluster(o)],
    },
  };
}

/**
 * The edge of the docker compose stack. The JWT issuer and audience default to
 * the services' own defaults (SHOP_JWT_ISSUER, SHOP_JWT_AUDIENCE); pass the same
 * values the services get when compose overrides them.
 */
export function composeEdgeOptions(jwt: { issuer?: string; audience?: string } = {}): EdgeOptions {
  return {
    listenHost: '0.0.0.0',
    listenPort: 8080,
    adminPort: 9901,
    dnsUpstreams: true,
    descriptorPath: '/etc/envoy/descriptor.binpb',
    // Every service of the map, reached by its compose host name on its default port.
    upstreams: SERVICE_MAP.map((s) => ({ name: s.name, host: s.name, port: s.defaultPort, grpcServices: [...s.grpcServices] })),
    jwt: {
      issuer: jwt.issuer ?? 'http://127.0.0.1:8080',
      audience: jwt.audience ?? 'shopmesh',
      jwksUpstream: 'identity',
    },
    rateLimit: { maxTokens: 200, tokensPerFill: 100, fillIntervalMs: 1000 },
    accessLog: 'stdout',
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  if (!args.includes('--compose')) {
    process.stderr.write('usage: npx tsx envoy/render.ts --compose [--out file.json]\n');
    process.exit(2);
  }
  const json = `${JSON.stringify(renderEnvoyConfig(composeEdgeOptions()), null, 2)}\n`;
  if (outIndex >= 0 && args[outIndex + 1]) writeFileSync(args[outIndex + 1]!, json);
  else process.stdout.write(json);
}
