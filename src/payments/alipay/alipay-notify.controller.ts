import { Body, Controller, Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { HttpRequest } from '../../common/http/http-request';
import { AlipayNotifyExceptionFilter } from './alipay-notify.filter';
import { AlipayNotifyService, NotifyReply } from './alipay-notify.service';
import { AlipayNotifyDoc } from './dto/alipay-notify.dto';

@ApiTags('alipay')
@Controller('payments/alipay')
@UseFilters(AlipayNotifyExceptionFilter)
export class AlipayNotifyController {
  constructor(private readonly notifies: AlipayNotifyService) {}

  @Post('notify')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({
    summary: '支付宝异步通知 / Alipay asynchronous notify',
    description:
      'Called by Alipay, not by clients. Verified (RSA2, app_id, seller_id, out_trade_no, exact total_amount) before anything acts on it. ' +
      'Replies the plain text `success` when processed or already processed, `failure` otherwise (Alipay then retries).',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: AlipayNotifyDoc })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: '`success` (processed or already processed) or `failure` (verification failed, nothing changed)', schema: { type: 'string', enum: ['success', 'failure'] } })
  @ApiResponse({ status: 500, description: '`failure`: internal error or database unavailable; logged with the request id, Alipay retries', schema: { type: 'string', example: 'failure' } })
  notify(@Body() params: Record<string, unknown> | undefined, @Req() req: HttpRequest): Promise<NotifyReply> {
    return this.notifies.process(params ?? {}, req);
  }
}
