import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadInventoryServiceConfig } from './config.js';

await runService('inventory-service', loadInventoryServiceConfig, (config) => AppModule.forRoot(config));
