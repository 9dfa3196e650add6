import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadPaymentServiceConfig } from './config.js';

await runService('payment-service', loadPaymentServiceConfig, (config) => AppModule.forRoot(config));
