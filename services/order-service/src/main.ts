import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadOrderServiceConfig } from './config.js';

await runService('order-service', loadOrderServiceConfig, (config) => AppModule.forRoot(config));
