import { Module } from '@nestjs/common';
import { UsersController } from './users.controller.js';

/** The signed-in user's profile, forwarded to user-service. */
@Module({
  controllers: [UsersController],
})
export class UsersModule {}
