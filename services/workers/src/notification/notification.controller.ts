import { Controller, Get } from '@nestjs/common';
import { NotificationRepository } from './notification.repository.js';

/** Read-only: what the worker has sent (the lab and the tests look; the mail itself is in the SMTP sink). */
@Controller('notification')
export class NotificationController {
  constructor(private readonly repository: NotificationRepository) {}

  @Get('emails')
  sent() {
    return this.repository.sent();
  }
}
