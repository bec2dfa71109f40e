import { auditOutboxEntry, systemAuditContext, type AuditContext } from '../../../platform/src/audit.js';
import type { CallContext } from '../../../platform/src/grpc/context.js';
import type { Logger } from '../../../platform/src/logger.js';
import type { KeyEvents, RotationTiming, SigningKeyDoc, SigningKeys } from '../infra/signing-keys.js';
import type { IdentityDeps } from './deps.js';

/**
 * Signing key rotation without a rejected token anywhere.
 *
 * Envoy caches the JWKS (jwksCacheSeconds) and does not refetch on an unknown kid, so
 * a token signed with a key Envoy has not fetched yet would be refused at the edge.
 * Hence a new key is published in the JWKS the moment it is made but signs only from
 * `activeFrom` = creation + publish delay, a delay longer than any verifier's cache
 * (Envoy's cache, the services' TokenVerifier refetch pause). Every identity process
 * re-reads the keys more often than that delay, and picks the signing key from the
 * stored times at each signature, so all processes switch together without being told.
 *
 * A replaced key stays in the JWKS until every token it signed has expired: it signs
 * until the next key activates, its last token lives one access-token TTL more, plus
 * a margin for clock skew (Envoy allows 30 s). Then it leaves the JWKS and its
 * private half is deleted.
 */

/** What the schedule needs to know of a key. */
export interface KeySchedule {
  kid: string;
  createdAt: Date;
  activeFrom: Date;
  retireAt: Date | null;
}

/** The key that signs at `now`: the newest activated one that is not retired. */
export function signingKeyAt<K extends KeySchedule>(keys: readonly K[], now: Date): K | null {
  let best: K | null = null;
  for (const k of keys) {
    if (k.activeFrom > now || (k.retireAt && k.retireAt <= now)) continue;
    if (!best || k.activeFrom > best.activeFrom || (k.activeFrom.getTime() === best.activeFrom.getTime() && k.createdAt > best.createdAt)) best = k;
  }
  return best;
}

/** The keys verifiers must know at `now`: every key not yet retired, pending ones included. */
export function publishedKeys<K extends KeySchedule>(keys: readonly K[], now: Date): K[] {
  return keys.filter((k) => !k.retireAt || k.retireAt > now);
}

/** Whether the scheduled rotation is due: the newest key is older than the rotation period. */
export function rotationDue(newest: KeySchedule | null, now: Date, rotationDays: number): boolean {
  if (rotationDays <= 0) return false;
  return newest === null || now.getTime() - newest.createdAt.getTime() >= rotationDays * 86_400_000;
}

/** Clock skew Envoy tolerates (render.ts clock_skew_seconds) plus slack for slow clocks. */
export const RETIRE_MARGIN_SECONDS = 60;

/** Settings that time rotation. */
export interface RotationSettings {
  accessTokenTtlSeconds: number;
  signingKeyPublishDelaySeconds: number;
}

export function rotationTiming(s: RotationSettings): RotationTiming {
  return {
    publishDelayMs: s.signingKeyPublishDelaySeconds * 1000,
    retireAfterMs: (s.accessTokenTtlSeconds + RETIRE_MARGIN_SECONDS) * 1000,
  };
}

/** Everything the key maintenance loop needs. */
export interface KeyMaintenanceOptions {
  keys: SigningKeys;
  settings: RotationSettings & { signingKeyRefreshSeconds: number; signingKeyRotationDays: number };
  logger: Logger;
  /** Called after a write that stored an outbox event (the rotation's audit event). */
  onWrite: () => void;
}

/**
 * Runs in every identity process: re-reads the keys (so a key made elsewhere is known
 * before it activates), makes the scheduled rotation when it is due (two processes
 * due at once make one key, see SigningKeys.rotate), and deletes retired private keys.
 */
export function startKeyMaintenance(o: KeyMaintenanceOptions): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = async () => {
    const now = new Date();
    await o.keys.refresh(now);
    if (rotationDue(o.keys.newest(), now, o.settings.signingKeyRotationDays)) {
      const { doc, created } = await o.keys.rotate(rotationTiming(o.settings), 'schedule', now, rotationAudit(systemAuditContext('signing_key_schedule'), 'schedule'));
      if (created) {
        o.logger.info('signing key rotated on schedule', { kid: doc._id, active_from: doc.activeFrom.toISOString() });
        o.onWrite();
      }
    }
    await o.keys.purgeRetired(now);
  };
  const timer = setInterval(() => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => o.logger.error('signing key maintenance failed', { err }))
      .finally(() => { running = null; });
  }, o.settings.signingKeyRefreshSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** The `keys.rotated` audit event, stored with the new key. */
const rotationAudit = (ctx: AuditContext, trigger: 'staff' | 'schedule'): KeyEvents => ({ kid, activeFrom }) => [
  auditOutboxEntry(ctx, 'keys.rotated', { type: 'signing_key', id: kid }, { active_from: activeFrom.toISOString(), trigger }),
];

/**
 * RotateSigningKey (staff, keys.rotate): a new key, published now, signing after the
 * publish delay. The audit event is stored with the key it made.
 */
export async function rotateSigningKey(deps: Pick<IdentityDeps, 'keys' | 'settings' | 'logger' | 'onWrite'>, ctx: CallContext): Promise<SigningKeyDoc> {
  const actor = ctx.caller?.userId ?? 'unknown';
  const { doc, created } = await deps.keys.rotate(rotationTiming(deps.settings), actor, new Date(), rotationAudit(ctx, 'staff'));
  if (created) {
    deps.logger.info('signing key rotated', { kid: doc._id, active_from: doc.activeFrom.toISOString(), actor });
    deps.onWrite();
  }
  return doc;
}
