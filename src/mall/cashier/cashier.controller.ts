import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { HttpReply } from '../../common/http/http-request';
import { renderCashier } from './cashier-page';
import { CashierService } from './cashier.service';

const HTML = { 'text/html': { schema: { type: 'string' } } };

@ApiTags('mall 商城开放接口')
@Controller('pay')
export class CashierController {
  constructor(private readonly cashier: CashierService) {}

  @Get(':trade_sn')
  @ApiOperation({
    summary: '收银台 / Cashier page of a trade (pay_link)',
    description: 'HTML for the buyer: amount, orders and an Alipay button to the signed alipay.trade.wap.pay URL; opens or reuses the trade\'s pending payment.',
  })
  @ApiProduces('text/html')
  @ApiParam({ name: 'trade_sn', example: 'TN220318160213A1B2C3' })
  @ApiResponse({ status: 200, description: '收银台页面（待支付、已支付、已关闭或已超时）/ the page in any trade state', content: HTML })
  @ApiResponse({ status: 404, description: '交易不存在 / no such trade', content: HTML })
  async page(@Param('trade_sn') tradeSn: string, @Res() res: HttpReply): Promise<void> {
    const view = await this.cashier.view(tradeSn);
    res
      .status(view.kind === 'not_found' ? 404 : 200)
      .headers({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' })
      .type('text/html; charset=utf-8')
      .send(renderCashier(view));
  }
}
