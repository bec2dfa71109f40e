import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { redact } from './logger.js';

const JWT = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLWJ5dGVz';

describe('redact', () => {
  test('masks credential values by key, whatever their case', () => {
    const out = redact({ password: 'hunter2', newPassword: 'x', token: 't', access_token: 'a', refreshToken: 'r', Authorization: 'Bearer abc', cookie: 'sid=1', apiKey: 'k', cvc: '123', sku: 'MUG-1' });
    assert.deepEqual(out, {
      password: '[REDACTED]',
      newPassword: '[REDACTED]',
      token: '[REDACTED]',
      access_token: '[REDACTED]',
      refreshToken: '[REDACTED]',
      Authorization: '[REDACTED]',
      cookie: '[REDACTED]',
      apiKey: '[REDACTED]',
      cvc: '[REDACTED]',
      sku: 'MUG-1',
    });
  });

  test('masks a credential key even when its value is an object', () => {
    assert.deepEqual(redact({ secret: { nested: 'value' } }), { secret: '[REDACTED]' });
  });

  test('masks personal data by key', () => {
    const out = redact({ email: 'ann@example.com', phone: '+49 30 1234', address: { city: 'Berlin' }, addressLine1: 'Main St 1', postal_code: '10115', firstName: 'Ann', last_name: 'Lee', displayName: 'ann', ip: '10.0.0.1', country: 'DE' });
    assert.deepEqual(out, {
      email: '[REDACTED_PII]',
      phone: '[REDACTED_PII]',
      address: '[REDACTED_PII]',
      addressLine1: '[REDACTED_PII]',
      postal_code: '[REDACTED_PII]',
      firstName: '[REDACTED_PII]',
      last_name: '[REDACTED_PII]',
      displayName: '[REDACTED_PII]',
      ip: '[REDACTED_PII]',
      country: 'DE',
    });
  });

  test('masks bearer tokens, JWT-shaped strings and emails inside free text', () => {
    assert.equal(redact('sent Authorization: Bearer abc.DEF-123_x== upstream'), 'sent Authorization: Bearer [REDACTED] upstream');
    assert.equal(redact(`token was ${JWT} here`), 'token was [REDACTED_JWT] here');
    assert.equal(redact("Authorization was 'sk_test_abc123', secret whsec_xyz+/="), "Authorization was '[REDACTED_KEY]', secret [REDACTED_KEY]");
    assert.equal(redact('login failed for ann.lee+shop@mail.example.co.uk today'), 'login failed for [REDACTED_EMAIL] today');
  });

  test('leaves ordinary text, numbers, booleans and null untouched', () => {
    assert.equal(redact('order ord_123 placed for 1299 EUR'), 'order ord_123 placed for 1299 EUR');
    assert.equal(redact(42), 42);
    assert.equal(redact(true), true);
    assert.equal(redact(null), null);
    assert.equal(redact(undefined), undefined);
  });

  test('walks nested objects and arrays', () => {
    const out = redact({ request: { user: { id: 'u1', email: 'a@b.de' }, items: [{ note: 'call c@d.de' }, 'x@y.org', 3] }, headers: [{ authorization: 'Bearer t' }] });
    assert.deepEqual(out, {
      request: { user: { id: 'u1', email: '[REDACTED_PII]' }, items: [{ note: 'call [REDACTED_EMAIL]' }, '[REDACTED_EMAIL]', 3] },
      headers: [{ authorization: '[REDACTED]' }],
    });
  });

  test('does not mutate its input', () => {
    const input = { password: 'hunter2', nested: { email: 'a@b.de' } };
    redact(input);
    assert.deepEqual(input, { password: 'hunter2', nested: { email: 'a@b.de' } });
  });

  test('turns an Error into name and redacted message', () => {
    const out = redact(new Error('no user ann@example.com')) as { name: string; message: string };
    assert.equal(out.name, 'Error');
    assert.equal(out.message, 'no user [REDACTED_EMAIL]');
  });

  // A V8 stack starts with the message, so the stack must be redacted too.
  test('does not leak the raw message through the Error stack', () => {
    const out = redact(new Error('no user ann@example.com')) as { stack?: string };
    assert.doesNotMatch(String(out.stack), /ann@example\.com/);
  });

  // Too-deep values are dropped rather than passed through unmasked.
  test('does not return deeply nested secrets unmasked', () => {
    let deep: unknown = { password: 'hunter2' };
    for (let i = 0; i < 8; i++) deep = { level: deep };
    assert.doesNotMatch(JSON.stringify(redact(deep)), /hunter2/);
  });

  // Auth schemes are case-insensitive (RFC 9110).
  test('masks a lower-case bearer token in free text', () => {
    assert.doesNotMatch(String(redact('authorization: bearer opaque-token-123')), /opaque-token-123/);
  });

  // Secret and personal keys in their common spellings.
  test('masks common variants of secret and personal keys', () => {
    const out = JSON.stringify(redact({ cardNumber: '4111111111111111', 'x-api-key': 'k-123', phoneNumber: '+4930999', passwordHash: 'h-456' }));
    for (const leaked of ['4111111111111111', 'k-123', '+4930999', 'h-456']) assert.doesNotMatch(out, new RegExp(leaked.replace('+', '\\+')));
  });
});

/** Runs a short script against the real logger in a child process and returns its output. */
function runLoggerScript(script: string): Promise<{ stdout: string; stderr: string }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const loggerUrl = pathToFileURL(join(here, 'logger.ts')).href;
  const source = `import { createLogger } from ${JSON.stringify(loggerUrl)};\n${script}`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { cwd: join(here, '../../..'), timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  // One child process for every output assertion keeps the suite fast.
  const output = runLoggerScript(`
    const log = createLogger('catalog', 'info');
    log.info('product created', { product_id: 'p1', password: 'hunter2', note: 'by ann@example.com' });
    log.debug('not at info level', { get costly() { throw new Error('a line below the level was formatted'); } });
    log.child({ request_id: 'req-1' }).info('from child');
    log.child({ request_id: 'req-1' }).child({ step: 'a' }).info('from grandchild', { step: 'b' });
    log.warn('slow downstream');
    log.error('rpc failed', { method: '/x/Y' });
  `);
  // Each test awaits it; this only stops an early failure from counting as unhandled.
  output.catch(() => {});

  test('writes one JSON line per entry with ts, level, service and msg first', async () => {
    const [created, child] = jsonLines((await output).stdout);
    assert.ok(created && child);
    assert.deepEqual(Object.keys(created).slice(0, 4), ['ts', 'level', 'service', 'msg']);
    assert.equal(created['level'], 'info');
    assert.equal(created['service'], 'catalog');
    assert.equal(created['msg'], 'product created');
    assert.equal(created['product_id'], 'p1');
    assert.ok(!Number.isNaN(Date.parse(String(created['ts']))), 'ts is an ISO timestamp');
  });

  test('redacts the metadata of every line it writes', async () => {
    const { stdout } = await output;
    assert.doesNotMatch(stdout, /hunter2|ann@example\.com/);
    const [created] = jsonLines(stdout);
    assert.equal(created?.['password'], '[REDACTED]');
    assert.equal(created?.['note'], 'by [REDACTED_EMAIL]');
  });

  test('drops entries below its level and carries child metadata', async () => {
    const lines = jsonLines((await output).stdout);
    assert.deepEqual(lines.map((l) => l['msg']), ['product created', 'from child', 'from grandchild']);
    assert.equal(lines[1]?.['request_id'], 'req-1');
    assert.equal(lines[1]?.['service'], 'catalog');
    // Contexts accumulate; the line's own fields win.
    assert.equal(lines[2]?.['request_id'], 'req-1');
    assert.equal(lines[2]?.['step'], 'b');
  });

  test('writes warnings and errors to stderr', async () => {
    const lines = jsonLines((await output).stderr);
    assert.deepEqual(lines.map((l) => [l['level'], l['msg']]), [['warn', 'slow downstream'], ['error', 'rpc failed']]);
  });
});
