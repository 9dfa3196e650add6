// A broker password may hold any character: kept out of the URL (RABBITMQ_USER / RABBITMQ_PASSWORD, libs/config) or
// percent-encoded in it, the connection decodes it for amqplib (whose own unescape() garbles encoded UTF-8). Proven
// on the real RabbitMQ with a user of the test's own, made with rabbitmqctl (skipped with one line without it).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { env, loadConfig } from '@refarch/config';
import { eventually, requireInfra } from '@refarch/testing';
import { z } from 'zod';
import { amqpConnectOptions, connectBroker, DlqAdmin } from '../src/index.js';

const infra = await requireInfra('libs/messaging broker credentials', 'rabbitmq');
const ctl = (...args: string[]) => spawnSync('rabbitmqctl', ['-q', ...args], { encoding: 'utf8', timeout: 30_000 });
const canManage = infra ? ctl('list_users').status === 0 : false;
if (infra && !canManage)
  process.stderr.write('SKIP libs/messaging broker credentials: rabbitmqctl cannot manage users here\n');

describe('amqpConnectOptions', () => {
  it('decodes the user-info and vhost of an AMQP URL', () => {
    expect(amqpConnectOptions('amqps://us%40er:p%40ss%2F%23%C3%A9@[::1]:5671/%2Fshop?frameMax=8192')).toEqual({
      protocol: 'amqps',
      hostname: '::1',
      port: 5671,
      username: 'us@er',
      password: 'p@ss/#é',
      vhost: '/shop',
      frameMax: 8192,
    });
    expect(amqpConnectOptions('amqp://127.0.0.1')).toEqual({ protocol: 'amqp', hostname: '127.0.0.1' });
  });
});

(canManage ? describe : describe.skip)('a broker user whose password needs escaping, on the real RabbitMQ', () => {
  const user = `refarch-test-${randomBytes(3).toString('hex')}`;
  const password = `p@ss/w#rd:%é ${randomBytes(4).toString('hex')}`;
  const server = new URL(infra?.rabbitmq ?? 'amqp://127.0.0.1:5672');
  const { RABBITMQ_URL: url } = loadConfig(z.object({ RABBITMQ_URL: env.url('amqp', 'amqps') }), {
    RABBITMQ_URL: `amqp://${server.host}`,
    RABBITMQ_USER: user,
    RABBITMQ_PASSWORD: password,
  });

  beforeAll(() => {
    expect(ctl('add_user', user, password).status).toBe(0);
    expect(ctl('set_permissions', '-p', '/', user, '.*', '.*', '.*').status).toBe(0);
  });
  afterAll(() => {
    ctl('delete_user', user);
  });

  it('connects with RABBITMQ_USER and RABBITMQ_PASSWORD, the reconnecting client and the DLQ admin alike', async () => {
    const states: string[] = [];
    const connection = connectBroker(url, { name: 'credentials-test', onStateChange: (s) => states.push(s) });
    try {
      await eventually(() => states.includes('connected'), 10_000, 'connected');
      expect(states[0]).toBe('connected');
    } finally {
      await connection.close();
    }
    // A queue that does not exist: the admin connected and asked (404), rather than failing to log in.
    await expect(new DlqAdmin(url).count(`no-such-queue-${user}`)).rejects.toThrow(/NOT_FOUND|404/);
  });

  it('is refused with a wrong password (the test above is not passing on a guest login)', async () => {
    const wrong = new URL(url);
    wrong.password = encodeURIComponent(`${password}x`);
    const errors: (Error | undefined)[] = [];
    const connection = connectBroker(wrong.toString(), {
      name: 'credentials-test-wrong',
      onStateChange: (s, error) => s === 'disconnected' && errors.push(error),
    });
    try {
      await eventually(() => errors.length > 0, 10_000, 'refused');
      expect(String(errors[0]?.message)).toMatch(/ACCESS_REFUSED|403|auth/i);
    } finally {
      await connection.close();
    }
  });
});
