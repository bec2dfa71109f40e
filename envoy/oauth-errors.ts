// The Lua filter script of the OAuth2 token routes (see render.ts). Kept as a
// TypeScript string so it ships with the compiled renderer; String.raw keeps
// every backslash exactly as Lua must see it. Do not use backticks or "${" in it.
export const OAUTH_ERRORS_LUA = String.raw`-- OAuth2 token endpoint responses (RFC 6749 sections 5.1 and 5.2).
--
-- Runs only on the token route (enabled per route by envoy/render.ts). The
-- gRPC-JSON transcoder has already turned a failed CreateToken call into a
-- google.rpc.Status JSON body such as
--   {"code":3,"message":"bad password","details":[{"@type":
--    "type.googleapis.com/google.rpc.ErrorInfo","reason":"invalid_grant",
--    "domain":"oauth2"}]}
-- which this script rewrites into the RFC 6749 shape
--   {"error":"invalid_grant","error_description":"bad password"}
-- keeping the HTTP status. Bodies without an oauth2 ErrorInfo are left alone.
-- LuaJIT has no JSON library, so a small strict decoder follows.

local ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"

local decode_value

local function skip_ws(s, i)
  return s:find("[^ \t\r\n]", i) or (#s + 1)
end

local function utf8_char(cp)
  if cp < 0x80 then
    return string.char(cp)
  elseif cp < 0x800 then
    return string.char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40)
  elseif cp < 0x10000 then
    return string.char(0xE0 + math.floor(cp / 0x1000),
      0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return string.char(0xF0 + math.floor(cp / 0x40000),
    0x80 + math.floor(cp / 0x1000) % 0x40,
    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local SIMPLE_ESCAPES = {
  ['"'] = '"', ['\\'] = '\\', ['/'] = '/',
  b = '\b', f = '\f', n = '\n', r = '\r', t = '\t',
}

-- s:sub(i, i) is the opening quote; returns the decoded string and the index
-- after the closing quote.
local function decode_string(s, i)
  local parts, j = {}, i + 1
  while true do
    local k = s:find('["\\]', j)
    if not k then error("unterminated string") end
    local chunk = s:sub(j, k - 1)
    if chunk:find("%c") then error("control character in string") end
    parts[#parts + 1] = chunk
    if s:sub(k, k) == '"' then
      return table.concat(parts), k + 1
    end
    local c = s:sub(k + 1, k + 1)
    if c == "u" then
      local hex = s:sub(k + 2, k + 5)
      if not hex:find("^%x%x%x%x$") then error("bad \\u escape") end
      local cp, nxt = tonumber(hex, 16), k + 6
      if cp >= 0xD800 and cp <= 0xDBFF then
        local lo = s:match("^\\u(%x%x%x%x)", nxt)
        lo = lo and tonumber(lo, 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
          nxt = nxt + 6
        else
          cp = 0xFFFD
        end
      elseif cp >= 0xDC00 and cp <= 0xDFFF then
        cp = 0xFFFD
      end
      parts[#parts + 1] = utf8_char(cp)
      j = nxt
    elseif SIMPLE_ESCAPES[c] then
      parts[#parts + 1] = SIMPLE_ESCAPES[c]
      j = k + 2
    else
      error("bad escape")
    end
  end
end

local function decode_object(s, i)
  local obj = {}
  i = skip_ws(s, i + 1)
  if s:sub(i, i) == "}" then return obj, i + 1 end
  while true do
    if s:sub(i, i) ~= '"' then error("expected object key") end
    local key
    key, i = decode_string(s, i)
    i = skip_ws(s, i)
    if s:sub(i, i) ~= ":" then error("expected ':'") end
    obj[key], i = decode_value(s, skip_ws(s, i + 1))
    i = skip_ws(s, i)
    local c = s:sub(i, i)
    if c == "}" then return obj, i + 1 end
    if c ~= "," then error("expected ',' or '}'") end
    i = skip_ws(s, i + 1)
  end
end

local function decode_array(s, i)
  local arr = {}
  i = skip_ws(s, i + 1)
  if s:sub(i, i) == "]" then return arr, i + 1 end
  while true do
    arr[#arr + 1], i = decode_value(s, i)
    i = skip_ws(s, i)
    local c = s:sub(i, i)
    if c == "]" then return arr, i + 1 end
    if c ~= "," then error("expected ',' or ']'") end
    i = skip_ws(s, i + 1)
  end
end

decode_value = function(s, i)
  i = skip_ws(s, i)
  local c = s:sub(i, i)
  if c == "{" then return decode_object(s, i) end
  if c == "[" then return decode_array(s, i) end
  if c == '"' then return decode_string(s, i) end
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if num and #num > 0 then return tonumber(num), i + #num end
  if s:sub(i, i + 3) == "true" then return true, i + 4 end
  if s:sub(i, i + 4) == "false" then return false, i + 5 end
  if s:sub(i, i + 3) == "null" then return nil, i + 4 end
  error("unexpected character at " .. i)
end

local function decode_json(s)
  local value, i = decode_value(s, 1)
  if skip_ws(s, i) <= #s then error("trailing data") end
  return value
end

local ENCODE_ESCAPES = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}

local function encode_string(v)
  local escaped = v:gsub('[%c"\\]', function(c)
    return ENCODE_ESCAPES[c] or string.format("\\u%04x", c:byte())
  end)
  return '"' .. escaped .. '"'
end

local function find_oauth_error(status)
  if type(status) ~= "table" or type(status.details) ~= "table" then return nil end
  for _, d in ipairs(status.details) do
    if type(d) == "table" and d["@type"] == ERROR_INFO and d.domain == "oauth2"
        and type(d.reason) == "string" and d.reason:find("^[%w_%.%-]+$") then
      return d
    end
  end
  return nil
end

function envoy_on_response(handle)
  local headers = handle:headers()
  -- RFC 6749 5.1: token responses must not be cached.
  headers:replace("cache-control", "no-store")
  headers:replace("pragma", "no-cache")

  local status = tonumber(headers:get(":status")) or 0
  local content_type = headers:get("content-type") or ""
  if status < 400 or not content_type:find("^application/json") then
    return
  end

  local body = handle:body()
  if body == nil or body:length() == 0 then return end
  local ok, doc = pcall(decode_json, body:getBytes(0, body:length()))
  if not ok then return end
  local info = find_oauth_error(doc)
  if info == nil then return end

  local out = '{"error":' .. encode_string(info.reason)
  local description = type(doc.message) == "string" and doc.message or ""
  if description ~= "" then
    out = out .. ',"error_description":' .. encode_string(description)
  end
  local uri = type(info.metadata) == "table" and info.metadata.error_uri
  if type(uri) == "string" and uri ~= "" then
    out = out .. ',"error_uri":' .. encode_string(uri)
  end
  out = out .. "}"

  body:setBytes(out)
  -- body() yielded: the headers object taken before it is no longer valid.
  headers = handle:headers()
  headers:replace("content-length", tostring(#out))
  headers:replace("content-type", "application/json")
  local retry = type(info.metadata) == "table" and info.metadata.retry_after_seconds
  if status == 429 and type(retry) == "string" and retry:find("^%d+$") then
    -- RFC 6585 section 4: tell a rate-limited client when to come back.
    headers:replace("retry-after", retry)
  end
  if status == 401 and headers:get("www-authenticate") == nil then
    -- RFC 6749 5.2: a 401 invalid_client names the supported auth scheme.
    headers:replace("www-authenticate", 'Basic realm="oauth"')
  end
end
`;
