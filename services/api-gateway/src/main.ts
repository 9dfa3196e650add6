import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadGatewayConfig } from './config.js';
import { webSecurity } from './web-security.js';

await runService('api-gateway', loadGatewayConfig, (config) => AppModule.forRoot(config), webSecurity);
