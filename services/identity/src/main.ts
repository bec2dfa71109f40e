import { serveUntilSignalled } from '../../platform/src/runtime.js';
import { identityService } from './service.js';

await serveUntilSignalled([identityService]);
