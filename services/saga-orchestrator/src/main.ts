import { runService } from '@refarch/bootstrap';
import { AppModule } from './app.module.js';
import { loadSagaConfig } from './config.js';

await runService('saga-orchestrator', loadSagaConfig, (config) => AppModule.forRoot(config));
