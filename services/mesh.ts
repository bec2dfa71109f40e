import { cartService } from './cart/src/service.js';
import { catalogService } from './catalog/src/service.js';
import { identityService } from './identity/src/service.js';
import { inventoryService } from './inventory/src/service.js';
import { orderService } from './order/src/service.js';
import { paymentService } from './payment/src/service.js';
import { searchService } from './search/src/service.js';
import { shippingService } from './shipping/src/service.js';
import { serveUntilSignalled, type ServiceModule } from './platform/src/runtime.js';

/**
 * Every domain service, in start order (identity first: the others verify its tokens;
 * search after catalog, whose list its first index build reads).
 */
export const ALL_SERVICES: ServiceModule[] = [identityService, catalogService, inventoryService, searchService, paymentService, shippingService, cartService, orderService];

/** Picks services by name; "all" (or nothing) means every one, in one process. */
export function selectServices(names: string[]): ServiceModule[] {
  if (names.length === 0 || names.includes('all')) return ALL_SERVICES;
  return names.map((name) => {
    const found = ALL_SERVICES.find((s) => s.name === name);
    if (!found) throw new Error(`unknown service "${name}"; known: ${ALL_SERVICES.map((s) => s.name).join(', ')}, all`);
    return found;
  });
}

// `tsx services/mesh.ts [all | identity catalog ...]` runs the chosen services until SIGINT/SIGTERM.
if (import.meta.url === `file://${process.argv[1]}`) {
  await serveUntilSignalled(selectServices(process.argv.slice(2)));
}
