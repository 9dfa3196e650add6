import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ZodValidationPipe } from '@refarch/bootstrap';
import { AccessTokens, type AccessTokenClaims } from '../auth/access-tokens.js';
import { BearerAuthGuard, CurrentUser } from '../auth/bearer-auth.guard.js';
import { LoginDto, RegisterDto, UpdateProfileDto, userIdSchema } from './users.dto.js';
import { UsersService } from './users.service.js';

@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: AccessTokens,
  ) {}

  @Post('auth/register')
  @HttpCode(201)
  async register(@Body() body: RegisterDto) {
    const { id, email, name } = await this.users.register(body);
    return { id, email, name };
  }

  @Post('auth/login')
  @HttpCode(200)
  login(@Body() body: LoginDto) {
    return this.users.login(body);
  }

  @Get('.well-known/jwks.json')
  jwks() {
    return this.tokens.jwks();
  }

  @Get('users/me')
  @UseGuards(BearerAuthGuard)
  me(@CurrentUser() user: AccessTokenClaims) {
    return this.users.profile(user.userId);
  }

  @Patch('users/me')
  @UseGuards(BearerAuthGuard)
  updateMe(@CurrentUser() user: AccessTokenClaims, @Body() body: UpdateProfileDto) {
    return this.users.rename(user.userId, body.name);
  }

  /** Cluster-internal (API composition); not routed by the gateway or the ingress. */
  @Get('internal/users/:id')
  byId(@Param('id', new ZodValidationPipe(userIdSchema)) id: string) {
    return this.users.profile(id);
  }
}
