import {
  createParamDecorator,
  Injectable,
  type ArgumentMetadata,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { validationErrorFromZod } from '@refarch/errors';
import { z } from 'zod';

/**
 * An identifier a client or another service sends (order ids, user ids): 1–128 letters, digits or `. _ : -` —
 * safe in URLs, logs and SQL text, long enough for UUIDs and prefixed keys.
 */
export const identifierSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -');

/** A DTO class that carries its zod schema, so the global pipe can validate a parameter from its type alone. */
export interface ZodDtoClass<S extends z.ZodType = z.ZodType> {
  new (): z.output<S>;
  readonly schema: S;
}

/**
 * Declares a DTO from a zod schema: `export class RegisterDto extends ZodDto(registerSchema) {}`.
 * Use `z.strictObject` so unknown fields are rejected, not silently dropped.
 */
export function ZodDto<S extends z.ZodType>(schema: S): ZodDtoClass<S> {
  class Dto {
    static readonly schema = schema;
  }
  return Dto as unknown as ZodDtoClass<S>;
}

function hasSchema(metatype: unknown): metatype is ZodDtoClass {
  return typeof metatype === 'function' && 'schema' in metatype && typeof metatype.schema === 'object';
}

/**
 * Validates and converts every `@Body()`, `@Query()` and `@Param()` whose type is a {@link ZodDto} (installed
 * globally by the bootstrap), or one parameter against an explicit schema: `@Param('id', new ZodValidationPipe(z.uuid()))`.
 * Failures become a 400 problem+json listing every offending field (`errors: [{field, message}]`).
 */
@Injectable()
export class ZodValidationPipe implements PipeTransform {
  constructor(private readonly schema?: z.ZodType) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const schema = this.schema ?? (hasSchema(metadata.metatype) ? metadata.metatype.schema : undefined);
    if (!schema || metadata.type === 'custom') return value;
    const result = schema.safeParse(value === undefined && metadata.type === 'body' ? null : value);
    if (result.success) return result.data;
    const prefix = metadata.type === 'body' ? '' : metadata.type === 'query' ? 'query' : 'path';
    throw validationErrorFromZod(
      result.error,
      metadata.data ? [prefix, metadata.data].filter(Boolean).join('.') : prefix,
    );
  }
}

/**
 * A request header, validated: `@ValidHeader('idempotency-key', keySchema.optional()) key?: string`. Nest's
 * `@Headers()` takes no pipes; a failure is a 400 naming `header.<name>`.
 */
const validHeader = createParamDecorator((data: { name: string; schema: z.ZodType }, context: ExecutionContext) => {
  const value = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
    data.name.toLowerCase()
  ];
  const result = data.schema.safeParse(value);
  if (!result.success) throw validationErrorFromZod(result.error, `header.${data.name}`);
  return result.data;
});

export const ValidHeader = (name: string, schema: z.ZodType) => validHeader({ name, schema });
