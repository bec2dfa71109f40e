import { serveUntilSignalled } from '../../platform/src/runtime.js';
import { searchService } from './service.js';

await serveUntilSignalled([searchService]);
