// `@refarch/testing/mongodb`: a service on a fresh MongoDB test database of its own. Apart from the main entry, so
// tests of services without MongoDB never load its driver.
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { assertTestDatabase } from './databases.js';
import {
  startTestService,
  type StartableService,
  type TestService,
  type TestServiceOverrides,
} from './test-service.js';

export interface MongoServiceUnderTest<S extends StartableService> extends TestService<S> {
  /** Its database's URL (`…/refarch_test_<label>_<random>`). */
  databaseUrl: string;
  /** Closes the service, then drops its database. */
  stop(): Promise<void>;
}

/** `serverUrl` (e.g. TEST_MONGO_URL) with the path naming a fresh, uniquely named test database. */
export function mongoTestDatabaseUrl(serverUrl: string, label: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/refarch_test_${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = url.toString();
  assertTestDatabase(databaseUrl);
  return databaseUrl;
}

/** Drops the test database of `databaseUrl` (guarded: only a database named as a test one). */
export async function dropMongoTestDatabase(databaseUrl: string): Promise<void> {
  assertTestDatabase(databaseUrl);
  const client = new MongoClient(databaseUrl, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

/** The MongoDB counterpart of `startOnTestDatabase`: `factory(databaseUrl, overrides)` builds it as main.ts does. */
export async function startOnTestMongoDatabase<S extends StartableService>(
  serverUrl: string,
  label: string,
  factory: (databaseUrl: string, overrides: TestServiceOverrides) => Promise<S>,
): Promise<MongoServiceUnderTest<S>> {
  const databaseUrl = mongoTestDatabaseUrl(serverUrl, label);
  const svc = await startTestService((overrides) => factory(databaseUrl, overrides));
  return {
    ...svc,
    databaseUrl,
    async stop() {
      await svc.close();
      await dropMongoTestDatabase(databaseUrl);
    },
  };
}
