import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Access, CurrentUser, ZodValidationPipe } from '@refarch/bootstrap';
import { AccessTokens, type AccessTokenClaims } from '../auth/access-tokens.js';
import { LoginDto, RegisterDto, UpdateProfileDto, userIdSchema } from './users.dto.js';
import { UsersService } from './users.service.js';

@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: AccessTokens,
  ) {}

  @Post('auth/register')
  @Access('public')
  @HttpCode(201)
  async register(@Body() body: RegisterDto) {
    const { id, email, name } = await this.users.register(body);
    return { id, email, name };
  }

  @Post('auth/login')
  @Access('public')
  @HttpCode(200)
  login(@Body() body: LoginDto) {
    return this.users.login(body);
  }

  @Get('.well-known/jwks.json')
  @Access('public')
  jwks() {
    return this.tokens.jwks();
  }

  @Get('users/me')
  @Access('user')
  me(@CurrentUser() user: AccessTokenClaims) {
    return this.users.profile(user.userId);
  }

  @Patch('users/me')
  @Access('user')
  updateMe(@CurrentUser() user: AccessTokenClaims, @Body() body: UpdateProfileDto) {
    return this.users.rename(user.userId, body.name);
  }

  /** Cluster-internal (API composition, with the caller's service credential); not routed by the gateway. */
  @Get('internal/users/:id')
  byId(@Param('id', new ZodValidationPipe(userIdSchema)) id: string) {
    return this.users.profile(id);
  }
}
