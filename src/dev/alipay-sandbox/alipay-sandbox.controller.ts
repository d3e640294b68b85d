import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { PartnerApi } from '../../common/envelope/api-family.decorator';
import { ErrorCode } from '../../common/errors/app-error';
import type { HttpReply, HttpRequest } from '../../common/http/http-request';
import { ApiEnvelope } from '../../common/swagger/api-responses';
import { AlipaySandboxPageFilter } from './alipay-sandbox-page.filter';
import { checkoutPage, paidPage } from './alipay-sandbox.pages';
import { AlipaySandboxService } from './alipay-sandbox.service';
import { SandboxFaultDto, SandboxFaultResultDto, SandboxPayDto, SandboxPayResultDto, SandboxTradeDto } from './dto/alipay-sandbox.dto';

/** The local stand-in for Alipay's gateway (loaded in sandbox mode only: DevModule). */
@ApiTags('dev-alipay-sandbox')
@Controller('dev/alipay')
export class AlipaySandboxController {
  constructor(private readonly sandbox: AlipaySandboxService) {}

  @Get('gateway')
  @ApiExcludeEndpoint()
  @UseFilters(AlipaySandboxPageFilter)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async gateway(@Query() query: Record<string, unknown>): Promise<string> {
    return checkoutPage(await this.sandbox.checkout(query));
  }

  @Post('gateway/pay')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  @UseFilters(AlipaySandboxPageFilter)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async gatewayPay(@Body() form: Record<string, unknown>): Promise<string> {
    return paidPage(await this.sandbox.payCheckout(form ?? {}));
  }

  /**
   * Alipay's OpenAPI (`alipay.trade.query`, `.close`, `.refund`, `.fastpay.refund.query`) as alipay-sdk `exec` calls it:
   * signed parameters in the query string, `biz_content` in the form body; a signed JSON answer, or none when the
   * sandbox was told to drop it: the call takes effect, then a 504 stands in for the answer lost on the way, as from
   * a proxy that timed out. (A cut connection would not do: the SDK's HTTP client resends a request after a socket
   * error, and the second call would get an answer.)
   */
  @Post('gateway')
  @ApiExcludeEndpoint()
  openApi(@Req() req: HttpRequest, @Res() res: HttpReply): void {
    const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const answer = this.sandbox.openApi({ ...(req.query as Record<string, unknown>), ...body });
    if (answer === null) {
      res.status(504).type('text/plain; charset=utf-8').send('Gateway Timeout');
      return;
    }
    res.status(200).type('application/json; charset=utf-8').send(answer);
  }

  @Post('faults')
  @HttpCode(200)
  @PartnerApi()
  @ApiOperation({
    summary: '沙箱故障 / Make the sandbox gateway lose one answer',
    description: 'Sandbox mode only. The next call of the method is carried out at the sandbox, but its answer never arrives (the gateway answers 504 instead), as when a call times out.',
  })
  @ApiEnvelope('partner', SandboxFaultResultDto, [ErrorCode.InvalidParams, ErrorCode.NotFound])
  fault(@Body() dto: SandboxFaultDto): SandboxFaultResultDto {
    this.sandbox.dropNext(dto.drop_next);
    return { drop_next: dto.drop_next };
  }

  @Get('trades/:out_trade_no')
  @PartnerApi()
  @ApiOperation({ summary: '沙箱交易 / The sandbox\'s record of a trade: status, refunded amount, refunds by out_request_no' })
  @ApiParam({ name: 'out_trade_no', example: '202201071757550123456789' })
  @ApiEnvelope('partner', SandboxTradeDto, [ErrorCode.NotFound])
  trade(@Param('out_trade_no') outTradeNo: string): SandboxTradeDto {
    return this.sandbox.trade(outTradeNo);
  }

  @Post('pay')
  @HttpCode(200)
  @PartnerApi()
  @ApiOperation({
    summary: '沙箱支付 / Pay a pending Alipay payment in the sandbox',
    description:
      'Sandbox mode only (404 in live mode). Pays the payment as a buyer would and posts a correctly signed TRADE_SUCCESS notify ' +
      '(amount from the stored payment) to the notify URL; returns what the notify endpoint answered. `notify: false` pays without ' +
      'posting the notify (a lost notify: the trade is paid at Alipay, `alipay.trade.query` says so).',
  })
  @ApiEnvelope('partner', SandboxPayResultDto, [ErrorCode.InvalidParams, ErrorCode.NotFound, ErrorCode.IllegalState])
  pay(@Body() dto: SandboxPayDto): Promise<SandboxPayResultDto> {
    return this.sandbox.pay(dto.out_trade_no, undefined, dto.notify !== false);
  }
}
