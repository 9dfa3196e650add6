import { createService, type Service } from '@refarch/bootstrap';
import {
  callAs,
  startOnTestDatabase,
  type DatabaseServiceUnderTest,
  type TestServiceOverrides,
} from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadPaymentServiceConfig } from '../src/config.js';

/** HTTP to the service as another service calls it (the saga, the gateway): with a service credential. */
export const call = callAs('payment-service');
export type PaymentUnderTest = DatabaseServiceUnderTest<Service>;

/** payment-service on its own fresh test database (migrated), built exactly as main.ts builds it. */
export function startPaymentService(postgresUrl: string, rabbitmqUrl: string): Promise<PaymentUnderTest> {
  const start = (databaseUrl: string, o: TestServiceOverrides, namespace: string) => {
    const config = loadPaymentServiceConfig({
      DATABASE_URL: databaseUrl,
      RABBITMQ_URL: rabbitmqUrl,
      MESSAGING_NAMESPACE: namespace,
      LOG_LEVEL: 'warn',
    });
    return createService(AppModule.forRoot(config), {
      name: 'payment-service',
      config: { ...config, ...o.config },
      logDestination: o.logDestination,
    });
  };
  return startOnTestDatabase(postgresUrl, 'payments', start, { rabbitmqUrl });
}
