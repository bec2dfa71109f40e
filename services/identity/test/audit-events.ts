import { AuditEvent } from '../../../gen/shop/audit/v1/events.js';
import { eventsMatching } from '../../../tools/testing/events.js';

/** The audit events of `action` about one user, from the SHOP_AUDIT stream. */
export async function auditEventsFor(action: string, userId: string, waitMs?: number): Promise<AuditEvent[]> {
  const found = await eventsMatching('SHOP_AUDIT', `shop.audit.${action}`, AuditEvent.decode, (e) => e.targetType === 'user' && e.targetId === userId, waitMs);
  return found.map((f) => f.event);
}
