import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadWorkersConfig } from './config.js';

await runService(
  (config) => `${config.WORKER_ROLE}-worker`,
  loadWorkersConfig,
  (config) => AppModule.forRoot(config),
);
