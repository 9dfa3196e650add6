import { describe, expect, it } from '@jest/globals';
import { PayloadTooLargeException, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { ConflictError, UnauthorizedError } from './app-error.js';
import { toProblem, validationErrorFromZod } from './problem.js';

describe('toProblem', () => {
  it('keeps the code, status, detail and extensions of an AppError', () => {
    const problem = toProblem(
      new ConflictError('INVENTORY.OUT_OF_STOCK', 'Not enough stock', { missingSkus: ['A'] }),
      '/x',
    );
    expect(problem.status).toBe(409);
    expect(problem.unexpected).toBe(false);
    expect(problem.body).toEqual({
      type: 'urn:refarch:problem:inventory.out_of_stock',
      title: 'Conflict',
      status: 409,
      detail: 'Not enough stock',
      code: 'INVENTORY.OUT_OF_STOCK',
      instance: '/x',
      missingSkus: ['A'],
    });
  });

  it('carries response headers of an AppError', () => {
    expect(toProblem(new UnauthorizedError()).headers).toEqual({ 'www-authenticate': 'Bearer' });
  });

  it('maps framework client errors by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x')).body).toMatchObject({
      status: 404,
      code: 'HTTP.NOT_FOUND',
      detail: 'Cannot GET /x',
    });
    expect(toProblem(new PayloadTooLargeException()).body.code).toBe('REQUEST.TOO_LARGE');
    // Fastify's errors carry statusCode
    const fastifyError = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toProblem(fastifyError).body).toMatchObject({ status: 413, code: 'REQUEST.TOO_LARGE' });
  });

  it('never shows the text of an unexpected error', () => {
    const problem = toProblem(new Error('connection to 10.0.0.7:5432 refused; password=hunter2'));
    expect(problem.status).toBe(500);
    expect(problem.unexpected).toBe(true);
    expect(JSON.stringify(problem.body)).not.toMatch(/10\.0\.0\.7|hunter2/);
    expect(problem.body.code).toBe('INTERNAL');
  });

  it('treats an error that claims a 5xx status as unexpected unless it is an upstream status', () => {
    expect(toProblem(Object.assign(new Error('boom'), { statusCode: 500 })).unexpected).toBe(true);
    expect(toProblem(Object.assign(new Error('x'), { status: 503 })).body.code).toBe('SERVICE.UNAVAILABLE');
  });
});

describe('validationErrorFromZod', () => {
  it('names every offending field, including unknown ones', () => {
    const schema = z.strictObject({ email: z.email(), items: z.array(z.strictObject({ qty: z.number().int() })) });
    const result = schema.safeParse({ email: 'no', items: [{ qty: 1.5 }], admin: true });
    expect(result.success).toBe(false);
    const error = validationErrorFromZod(result.error!);
    const fields = error.errors!.map((e) => e.field).sort();
    expect(fields).toEqual(['admin', 'email', 'items.0.qty']);
    expect(toProblem(error).body).toMatchObject({ status: 400, code: 'REQUEST.VALIDATION_FAILED' });
  });
});
