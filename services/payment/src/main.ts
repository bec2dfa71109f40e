import { serveUntilSignalled } from '../../platform/src/runtime.js';
import { paymentService } from './service.js';

await serveUntilSignalled([paymentService]);
