import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, env, loadConfig, serviceEnv } from './config.js';

const schema = serviceEnv.extend({
  PORT: env.port().default(3001),
  DATABASE_URL: env.url('postgres', 'postgresql'),
  FEATURE_ON: env.bool().default(false),
  ADMINS: env.list().default([]),
});

describe('loadConfig', () => {
  it('applies the schema defaults and converts types', () => {
    const config = loadConfig(schema, { DATABASE_URL: 'postgres://db/x', FEATURE_ON: 'YES', ADMINS: 'a@x, ,b@x' });
    expect(config).toMatchObject({
      PORT: 3001,
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1_048_576,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      FEATURE_ON: true,
      ADMINS: ['a@x', 'b@x'],
    });
  });

  it('lists every bad variable in one error', () => {
    let thrown: unknown;
    try {
      loadConfig(schema, { PORT: '70000', DATABASE_URL: 'mysql://db/x', LOG_LEVEL: 'loud', FEATURE_ON: 'maybe' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'FEATURE_ON', 'LOG_LEVEL', 'PORT']);
    expect(error.message).toContain('4 problems');
    expect(error.message).toContain('DATABASE_URL: must be a URL with scheme postgres or postgresql');
  });

  it('reports a missing required variable by name', () => {
    expect(() => loadConfig(schema, {})).toThrow(/DATABASE_URL: is required/);
  });

  it('treats an empty value as unset so the default applies', () => {
    expect(loadConfig(schema, { DATABASE_URL: 'postgres://db/x', PORT: '' }).PORT).toBe(3001);
  });

  it('freezes the result deeply', () => {
    const config = loadConfig(schema, { DATABASE_URL: 'postgres://db/x', ADMINS: 'a' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ADMINS)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('parses only once per call and ignores variables outside the schema', () => {
    const config = loadConfig(z.object({ A: z.string() }), { A: 'x', B: 'y' });
    expect(config).toEqual({ A: 'x' });
  });
});

describe('credentials kept out of a URL variable', () => {
  const broker = z.object({ RABBITMQ_URL: env.url('amqp', 'amqps') });
  const password = `p@ss/w#rd:%é ?`;

  it('puts RABBITMQ_USER and RABBITMQ_PASSWORD into RABBITMQ_URL, percent-encoded, whatever they hold', () => {
    const { RABBITMQ_URL } = loadConfig(broker, {
      RABBITMQ_URL: 'amqp://rabbitmq:5672/',
      RABBITMQ_USER: 'refarch@prod',
      RABBITMQ_PASSWORD: password,
    });
    const url = new URL(RABBITMQ_URL);
    expect([url.hostname, url.port, url.pathname]).toEqual(['rabbitmq', '5672', '/']);
    expect(decodeURIComponent(url.username)).toBe('refarch@prod');
    expect(decodeURIComponent(url.password)).toBe(password);
  });

  it('replaces credentials already in the URL, and leaves a URL alone without them', () => {
    const replaced = loadConfig(broker, { RABBITMQ_URL: 'amqp://old:old@mq:5672', RABBITMQ_PASSWORD: 'new' });
    expect(replaced.RABBITMQ_URL).toBe('amqp://old:new@mq:5672');
    expect(loadConfig(broker, { RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672' }).RABBITMQ_URL).toBe(
      'amqp://guest:guest@127.0.0.1:5672',
    );
  });

  it('still reports a bad URL as such', () => {
    expect(() => loadConfig(broker, { RABBITMQ_URL: 'not a url', RABBITMQ_PASSWORD: 'x' })).toThrow(/RABBITMQ_URL/);
  });
});
