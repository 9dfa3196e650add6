import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadUserServiceConfig } from './config.js';

const config = loadUserServiceConfig();
await runService(AppModule.forRoot(config), { name: 'user-service', config });
