import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../../common/http/http-request';
import { FailedAuthRateLimit } from '../../common/rate-limit/failed-auth-rate-limit';
import { CashierLinks } from './cashier-links';
import { notFoundPage, renderCashier } from './cashier-page';
import { CashierService } from './cashier.service';

const HTML = { 'text/html': { schema: { type: 'string' } } };
const PAGE_HEADERS = { 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' };

@ApiTags('cashier')
@Controller('pay')
export class CashierController {
  constructor(
    private readonly cashier: CashierService,
    private readonly links: CashierLinks,
    private readonly failedAuth: FailedAuthRateLimit,
  ) {}

  @Get(':trade_sn')
  @ApiOperation({
    summary: '收银台 / Cashier page of a trade (pay_link)',
    description: 'HTML for the buyer: amount, orders and the Alipay button. Reading the page writes nothing; the button (POST) opens the payment.',
  })
  @ApiProduces('text/html')
  @ApiParam({ name: 'trade_sn', example: 'TN220318160213A1B2C3' })
  @ApiQuery({ name: 'sig', description: 'pay_link 中的签名 / the signature that pay_link carries', example: 'ZpJ6PKUo2N3fnR9wz1TqX0b1Kq2dH8Ew3Jt6lqGmV7c' })
  @ApiResponse({ status: 200, description: '收银台页面（待支付、已支付、已关闭或已超时）/ the page in any trade state', content: HTML })
  @ApiResponse({ status: 404, description: '交易不存在或签名错误 / no such trade, or a wrong sig', content: HTML })
  @ApiResponse({ status: 429, description: '同一地址 404 过多 / too many 404s from this client address' })
  async page(@Param('trade_sn') tradeSn: string, @Query('sig') sig: unknown, @Req() req: HttpRequest, @Res() res: HttpReply): Promise<void> {
    const view = this.links.isValid(tradeSn, sig) ? await this.cashier.view(tradeSn) : { kind: 'not_found' as const };
    if (view.kind === 'not_found') return this.notFound(req, res);
    res.status(200).headers(this.pageHeaders()).type('text/html; charset=utf-8').send(renderCashier(view));
  }

  @Post(':trade_sn')
  @ApiOperation({
    summary: '收银台支付按钮 / The cashier\'s Alipay button',
    description: 'Opens the trade\'s pending Alipay payment (once per trade, however often pressed) and redirects (303) to the signed alipay.trade.wap.pay URL; back to the page when the trade is no longer payable.',
  })
  @ApiParam({ name: 'trade_sn', example: 'TN220318160213A1B2C3' })
  @ApiQuery({ name: 'sig', description: 'pay_link 中的签名 / the signature that pay_link carries' })
  @ApiResponse({ status: 303, description: '跳转到支付宝或收银台 / to Alipay, or back to the page' })
  @ApiResponse({ status: 404, description: '交易不存在或签名错误 / no such trade, or a wrong sig', content: HTML })
  @ApiResponse({ status: 429, description: '同一地址 404 过多 / too many 404s from this client address' })
  async pay(@Param('trade_sn') tradeSn: string, @Query('sig') sig: unknown, @Req() req: HttpRequest, @Res() res: HttpReply): Promise<void> {
    if (!this.links.isValid(tradeSn, sig)) return this.notFound(req, res);
    const payUrl = await this.cashier.payUrl(tradeSn);
    res.status(303).headers({ ...this.pageHeaders(), Location: payUrl ?? this.links.pathOf(tradeSn) }).send();
  }

  private pageHeaders(): Record<string, string> {
    return { ...PAGE_HEADERS, 'Content-Security-Policy': this.cashier.contentSecurityPolicy() };
  }

  /** Unknown trades and wrong links look alike, and count against the client address (SPEC §6). */
  private async notFound(req: HttpRequest, res: HttpReply): Promise<void> {
    await this.failedAuth.count(req, res);
    res.status(404).headers(this.pageHeaders()).type('text/html; charset=utf-8').send(notFoundPage());
  }
}
