import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ZodValidationPipe } from '@refarch/bootstrap';
import { AuthorizeDto, orderIdSchema } from './payments.dto.js';
import { PaymentsService } from './payments.service.js';

const OrderId = new ZodValidationPipe(orderIdSchema);

@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  /** 201 authorized now, 200 already authorized (replay), 402 PAYMENTS.DECLINED (recorded; replays say the same). */
  @Post('authorize')
  async authorize(@Body() body: AuthorizeDto, @Res({ passthrough: true }) reply: { code(status: number): unknown }) {
    const { payment, created } = await this.payments.authorize(body);
    reply.code(created ? 201 : 200);
    return payment;
  }

  @Get(':orderId')
  get(@Param('orderId', OrderId) orderId: string) {
    return this.payments.get(orderId);
  }

  @Post(':orderId/capture')
  @HttpCode(200)
  capture(@Param('orderId', OrderId) orderId: string) {
    return this.payments.capture(orderId);
  }

  @Post(':orderId/void')
  @HttpCode(200)
  void(@Param('orderId', OrderId) orderId: string) {
    return this.payments.void(orderId);
  }

  @Post(':orderId/refund')
  @HttpCode(200)
  refund(@Param('orderId', OrderId) orderId: string) {
    return this.payments.refund(orderId);
  }
}
