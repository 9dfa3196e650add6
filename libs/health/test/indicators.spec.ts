import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { requireInfra, testPool } from '@refarch/testing';
import { mongoCheck, postgresCheck, rabbitmqCheck, redisCheck, runCheck } from '../src/index.js';

const infra = await requireInfra('libs/health indicators', 'postgres', 'redis', 'rabbitmq');

(infra ? describe : describe.skip)('readiness indicators against real servers', () => {
  const pool = testPool(infra?.postgres ?? '', { connectionTimeoutMillis: 500 });
  const deadPool = testPool('postgres://postgres@127.0.0.1:1/x', { connectionTimeoutMillis: 500 });
  const redis = new Redis(infra?.redis ?? '', { lazyConnect: true });
  afterAll(async () => {
    await pool.end();
    await deadPool.end();
    redis.disconnect();
  });

  it('PostgreSQL: up on a live server, down with the reason on a dead one', async () => {
    await expect(runCheck(postgresCheck(pool))).resolves.toBeUndefined();
    await expect(runCheck(postgresCheck(deadPool))).resolves.toMatch(/ECONNREFUSED|connect/);
  });

  it('Redis: up on a live server, down on a dead one', async () => {
    await expect(runCheck(redisCheck(redis))).resolves.toBeUndefined();
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await expect(runCheck({ ...redisCheck(dead), timeoutMs: 500 })).resolves.toEqual(expect.any(String));
    dead.disconnect();
  });

  it('RabbitMQ: up on a live broker, down on a dead one', async () => {
    await expect(runCheck(rabbitmqCheck(infra!.rabbitmq))).resolves.toBeUndefined();
    await expect(runCheck(rabbitmqCheck('amqp://guest:guest@127.0.0.1:1'))).resolves.toEqual(expect.any(String));
  });
});

const mongo = await requireInfra('libs/health mongodb indicator', 'mongodb');

(mongo ? describe : describe.skip)('MongoDB indicator', () => {
  it('is up on a live server', async () => {
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(mongo!.mongodb, { serverSelectionTimeoutMS: 1000 });
    try {
      await expect(runCheck(mongoCheck(client))).resolves.toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
