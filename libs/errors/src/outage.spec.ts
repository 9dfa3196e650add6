import { describe, expect, it } from '@jest/globals';
import { DependencyUnavailableError, isDependencyOutage } from './outage.js';
import { toProblem } from './problem.js';

// Shapes as the drivers raise them (pg, pg-pool, mongodb 7), built by hand: this library imports no driver.
const named = (name: string, props: Record<string, unknown> = {}) =>
  Object.assign(Object.create(Error.prototype, { name: { value: name } }) as Error, { message: 'x', ...props });

describe('isDependencyOutage', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    [
      'a reset nested as a cause',
      new Error('query failed', { cause: Object.assign(new Error(), { code: 'ECONNRESET' }) }),
    ],
    ["pg-pool's connect timeout", new Error('timeout exceeded when trying to connect')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['PostgreSQL shutting down (57P01)', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    [
      'PostgreSQL starting up (57P03)',
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    ],
    ['a connection exception (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['no MongoDB server to select', named('MongoServerSelectionError')],
    ['a MongoDB operation past timeoutMS', named('MongoOperationTimeoutError')],
    ['a MongoDB election (NotWritablePrimary)', named('MongoServerError', { code: 10107 })],
    ['a MongoDB primary stepping down', named('MongoServerError', { code: 189 })],
    ['our own error', new DependencyUnavailableError('database')],
  ])('recognises %s', (_label, error) => {
    expect(isDependencyOutage(error)).toBe(true);
  });

  it.each([
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a syntax error in SQL', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a MongoDB duplicate key', named('MongoServerError', { code: 11000 })],
    ['a string', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('does not take %s for an outage', (_label, error) => {
    expect(isDependencyOutage(error)).toBe(false);
  });
});

describe('toProblem of an outage', () => {
  it('is a 503 with Retry-After that names no address', () => {
    const problem = toProblem(
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' }),
      '/orders',
    );
    expect(problem.status).toBe(503);
    expect(problem.headers['retry-after']).toBe('5');
    expect(problem.body).toMatchObject({ code: 'SERVICE.DEPENDENCY_UNAVAILABLE', status: 503, instance: '/orders' });
    expect(JSON.stringify(problem.body)).not.toMatch(/10\.0\.0\.7/);
    // Still logged by the filter: an outage is worth an operator's attention.
    expect(problem.unexpected).toBe(true);
  });
});
