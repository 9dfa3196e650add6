import { Injectable, type OnModuleInit } from '@nestjs/common';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

// argon2id with the library's defaults (19 MiB, 2 passes: OWASP's recommended minimum).
// `Algorithm` is an ambient const enum, which isolated modules cannot read: 2 is its Argon2id member.
const OPTIONS = { algorithm: 2 as Algorithm.Argon2id } as const;

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash = '';

  async onModuleInit() {
    // Compared against when the email is unknown, so a login takes as long whether or not the account exists.
    this.dummyHash = await hash('refarch-dummy-password', OPTIONS);
  }

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  async verify(hashed: string | undefined, password: string): Promise<boolean> {
    const ok = await verify(hashed ?? this.dummyHash, password).catch(() => false);
    return hashed !== undefined && ok;
  }
}
