import { isIP } from 'node:net';
import { z } from 'zod';
import type { AuditContext } from '../../../platform/src/audit.js';
import { RateLimiter, rateLimited, type RateLimitResult, type RateLimitRule } from '../../../platform/src/rate-limit.js';
import type { IdentityDeps } from './deps.js';

/** Who asked, as far as abuse limits and the audit trail care (a CallContext is one). */
export type RequestOrigin = AuditContext;

/** The throttled account operations; their rules are settings (see service.ts). */
export type AccountRateRule =
  | 'registrationPerIp'
  | 'verificationEmailPerUser'
  | 'verificationEmailPerIp'
  | 'passwordResetPerIp'
  | 'passwordResetPerEmail';

/** Parses "20/1h", "5/10m", "100/30s" into a rule; null if it is not one (for the settings schema). */
export function parseRateRule(text: string): RateLimitRule | null {
  const match = /^(\d+)\s*\/\s*(\d+)\s*([smhd])$/.exec(text.trim());
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) return null;
  const ms = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[3] as 's' | 'm' | 'h' | 'd'];
  return { limit: Number(match[1]), windowMs: Number(match[2]) * ms };
}

const rateRule = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => parseRateRule(text) ?? (ctx.addIssue({ code: 'custom', message: 'must be a rate like 20/1h (count / number + s, m, h or d)' }), z.NEVER));

/**
 * Settings of the account operations' abuse limits (SHOP_* variables, merged into
 * identity's config schema in service.ts), as "count/period", e.g.
 * SHOP_REGISTRATION_RATE_PER_IP=20/1h. Generous per IP (offices and mobile carriers
 * put many people behind one address), tight per account and email.
 */
export const accountSettingsShape = {
  registrationRatePerIp: rateRule('20/1h'),
  verificationEmailRatePerUser: rateRule('5/1h'),
  verificationEmailRatePerIp: rateRule('30/1h'),
  passwordResetRatePerIp: rateRule('20/1h'),
  passwordResetRatePerEmail: rateRule('5/1h'),
  /**
   * Client IPs the per-IP rules above do not count (comma-separated), e.g. a load
   * tester or the test suite's own address; per-account and per-email rules still apply.
   */
  accountRateLimitExemptIps: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const ips = text.split(',').map((ip) => ip.trim()).filter(Boolean);
      const bad = ips.filter((ip) => isIP(ip) === 0);
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `not IP addresses: ${bad.join(', ')}` });
      return ips;
    }),
};
export type AccountSettings = { [K in Exclude<keyof typeof accountSettingsShape, 'accountRateLimitExemptIps'>]: RateLimitRule } & { accountRateLimitExemptIps: string[] };

const SETTING: Record<AccountRateRule, Exclude<keyof AccountSettings, 'accountRateLimitExemptIps'>> = {
  registrationPerIp: 'registrationRatePerIp',
  verificationEmailPerUser: 'verificationEmailRatePerUser',
  verificationEmailPerIp: 'verificationEmailRatePerIp',
  passwordResetPerIp: 'passwordResetRatePerIp',
  passwordResetPerEmail: 'passwordResetRatePerEmail',
};

/**
 * Counts one hit against each rule and refuses (429 RATE_LIMITED with
 * `retry_after_seconds`) if any is over. Every rule is counted even when an earlier
 * one refuses, so rotating one dimension (IPs) still burns the other (the account).
 * Keys may hold emails and IPs: the limiter hashes them before they reach Redis.
 */
export async function enforceRateLimits(deps: IdentityDeps, hits: ReadonlyArray<{ rule: AccountRateRule; key: string }>, what = 'requests'): Promise<void> {
  // Stateless over the shared Redis client, so one per call costs nothing.
  const limiter = new RateLimiter(deps.redis);
  let refused: RateLimitResult | null = null;
  for (const { rule, key } of hits) {
    if (rule.endsWith('PerIp') && deps.settings.accountRateLimitExemptIps.includes(key)) continue;
    const result = await limiter.hit(`identity:${rule}:${key}`, deps.settings[SETTING[rule]]);
    if (!result.allowed && (!refused || result.retryAfterMs > refused.retryAfterMs)) refused = result;
  }
  if (refused) throw rateLimited(refused, what);
}
