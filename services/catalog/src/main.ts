import { serveUntilSignalled } from '../../platform/src/runtime.js';
import { catalogService } from './service.js';

await serveUntilSignalled([catalogService]);
