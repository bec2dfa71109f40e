import { serveUntilSignalled } from '../../platform/src/runtime.js';
import { inventoryService } from './service.js';

await serveUntilSignalled([inventoryService]);
