import { serveUntilSignalled } from '../../platform/src/runtime.js';
import { shippingService } from './service.js';

await serveUntilSignalled([shippingService]);
