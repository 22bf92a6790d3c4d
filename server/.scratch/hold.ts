import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { createLogger } from '../src/logger.ts';
const logger = await createLogger({ level: 'info' });
const pg = await startEmbeddedPostgres({ dataDir: '/tmp/fd-smoke', logger });
console.log('READY', pg.port);
setInterval(() => {}, 1000);
