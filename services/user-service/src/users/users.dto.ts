import { ZodDto } from '@refarch/bootstrap';
import { z } from 'zod';

// Control characters (including NUL, which PostgreSQL text rejects) and unpaired surrogates (not text at all;
// PostgreSQL jsonb rejects them in the outbox) have no place in names.
const NO_CONTROL_CHARS = /^[^\p{Cc}\p{Cs}]*$/u;

/** Trimmed, NFC-normalised, lower-cased: `Ann@Example.COM ` and `ann@example.com` are one account. */
export const email = z
  .string()
  .max(254, 'must be at most 254 characters')
  .transform((v) => v.trim().normalize('NFC').toLowerCase())
  .pipe(z.email('must be a valid email address'));

const name = z
  .string()
  .transform((v) => v.trim().normalize('NFC'))
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .regex(NO_CONTROL_CHARS, 'must not contain control characters or invalid Unicode'),
  );

export const registerSchema = z.strictObject({
  email,
  password: z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters'),
  name,
});
export class RegisterDto extends ZodDto(registerSchema) {}

export const loginSchema = z.strictObject({
  email,
  password: z.string().min(1, 'is required').max(128, 'must be at most 128 characters'),
});
export class LoginDto extends ZodDto(loginSchema) {}

export const updateProfileSchema = z.strictObject({ name });
export class UpdateProfileDto extends ZodDto(updateProfileSchema) {}

export const userIdSchema = z.uuid('must be a UUID');

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
  createdAt: string;
  updatedAt: string;
}
