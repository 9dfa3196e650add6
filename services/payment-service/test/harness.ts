import { createService, type Service } from '@refarch/bootstrap';
import { startOnTestDatabase, type DatabaseServiceUnderTest, type TestServiceOverrides } from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadPaymentServiceConfig } from '../src/config.js';

export { httpJson as call } from '@refarch/testing';
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
