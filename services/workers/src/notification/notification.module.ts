import { Module } from '@nestjs/common';
import { Mailer } from './mailer.js';
import { NotificationController } from './notification.controller.js';
import { NotificationHandlers } from './notification.handlers.js';
import { NotificationRepository } from './notification.repository.js';
import { NotificationService } from './notification.service.js';

@Module({
  controllers: [NotificationController, NotificationHandlers],
  providers: [NotificationService, NotificationRepository, Mailer],
})
export class NotificationModule {}
