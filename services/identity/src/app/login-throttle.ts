import type { RateLimiter } from '../../../platform/src/rate-limit.js';
import { oauthRateLimited } from './tokens.js';

/**
 * Per-IP and per-account limits on the token endpoint, in Redis so every identity
 * process shares them. They bound online guessing (with the lockout) and credential
 * stuffing from one address; the edge's token bucket only bounds raw traffic.
 */
export interface LoginLimits {
  /** Password grants per client IP per minute. */
  passwordPerIpPerMinute: number;
  /** Password grants per account (the email as typed) per minute. */
  passwordPerAccountPerMinute: number;
  /** Refresh grants per client IP per minute. */
  refreshPerIpPerMinute: number;
  /** Refresh grants per account per minute. */
  refreshPerAccountPerMinute: number;
}

export class LoginThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: LoginLimits,
  ) {}

  /** Counts a password grant; throws the OAuth 429 when the IP or the account is over its limit. */
  async passwordAttempt(clientIp: string, email: string): Promise<void> {
    await this.take([
      [`login:ip:${clientIp}`, this.limits.passwordPerIpPerMinute],
      [`login:account:${email}`, this.limits.passwordPerAccountPerMinute],
    ]);
  }

  /** Counts a refresh grant from an IP, before the token is even looked up. */
  async refreshAttempt(clientIp: string): Promise<void> {
    await this.take([[`refresh:ip:${clientIp}`, this.limits.refreshPerIpPerMinute]]);
  }

  /** Counts a refresh grant of an account, once its token is known. */
  async refreshForAccount(userId: string): Promise<void> {
    await this.take([[`refresh:account:${userId}`, this.limits.refreshPerAccountPerMinute]]);
  }

  /**
   * Counts a hit on every key, then refuses if any is over: an attacker rotating IPs
   * still spends the account's budget, and one rotating accounts the IP's. The
   * limiter hashes keys, so no email or IP is readable in Redis.
   */
  private async take(hits: ReadonlyArray<readonly [key: string, perMinute: number]>): Promise<void> {
    let waitMs = 0;
    for (const [key, perMinute] of hits) {
      const result = await this.limiter.hit(key, { limit: perMinute, windowMs: 60_000 });
      if (!result.allowed) waitMs = Math.max(waitMs, result.retryAfterMs);
    }
    if (waitMs > 0) throw oauthRateLimited(waitMs / 1000);
  }
}
