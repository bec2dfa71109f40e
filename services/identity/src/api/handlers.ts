import type { IdentityServiceService } from '../../../../gen/shop/identity/v1/identity_service.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';

/** Handlers for some of IdentityService's methods; each api/ file serves one area. */
export type IdentityHandlers<K extends keyof typeof IdentityServiceService> = Pick<ServiceHandlers<typeof IdentityServiceService>, K>;
