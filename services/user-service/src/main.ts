import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadUserServiceConfig } from './config.js';

await runService('user-service', loadUserServiceConfig, (config) => AppModule.forRoot(config));
