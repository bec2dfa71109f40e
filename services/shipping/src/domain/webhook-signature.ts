import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-shop-signature';

/** How far a signature's timestamp may be from now; older deliveries are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * HMAC-SHA256 over `<t>.<raw body>`: the timestamp is signed so a captured delivery
 * cannot be replayed later with a fresh one.
 */
export function signWebhook(secret: string, rawBody: Uint8Array, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * True when the header holds a v1 signature by one of `secrets` (several during a
 * rotation) over this exact body, within the tolerance. Compared in constant time.
 */
export function verifyWebhookSignature(header: string, rawBody: Uint8Array, secrets: readonly string[], nowSeconds: number): boolean {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isSafeInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const given = parts.filter(([k, v]) => k === 'v1' && typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => Buffer.from(v!, 'hex'));
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
    if (given.some((g) => timingSafeEqual(g, expected))) return true;
  }
  return false;
}
