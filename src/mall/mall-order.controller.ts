import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MallApi, SuccessMessage } from '../common/envelope/api-family.decorator';
import { ErrorCode } from '../common/errors/app-error';
import { Claim, RequestClaim } from '../common/idempotency/request-claim';
import { Signed } from '../common/signature/signed.decorator';
import { ApiEnvelope } from '../common/swagger/api-responses';
import { CloseOrderDto, CreateOrderDto, OrderLookupDto, PreOrderDto, RefundOrderDto } from './dto/mall-order-params.dto';
import { ClosedTradeDto, CreateOrderDataDto, PreOrderDataDto, RefundedOrderDto, TradeViewDto } from './dto/mall-order-responses.dto';
import { MallAppId } from './mall-app-id.decorator';
import { MallOrderService } from './mall-order.service';
import { MallRefundService } from './mall-refund.service';

/** Every signed endpoint can refuse shape, signature and replays (nonce reused: 40102; Idempotency-Key reused or in flight: 40901). */
const SIGNED_ERRORS = [ErrorCode.InvalidParams, ErrorCode.BadSignature, ErrorCode.Replay, ErrorCode.Conflict];

@ApiTags('mall')
@ApiConsumes('application/json', 'application/x-www-form-urlencoded')
@MallApi()
@Controller('order')
export class MallOrderController {
  constructor(
    private readonly orders: MallOrderService,
    private readonly refunds: MallRefundService,
  ) {}

  @Post('pre')
  @HttpCode(200)
  @Signed('mall')
  @ApiOperation({ summary: '预下单 / Pre-order: price the goods per store, write nothing' })
  @ApiEnvelope('mall', PreOrderDataDto, [...SIGNED_ERRORS, ErrorCode.NotFound, ErrorCode.InsufficientFunds, ErrorCode.CouponUnusable, ErrorCode.OutOfStock])
  pre(@MallAppId() appId: string, @Body() dto: PreOrderDto): Promise<PreOrderDataDto> {
    return this.orders.pre(appId, dto);
  }

  @Post('create')
  @HttpCode(200)
  @Signed('mall')
  @SuccessMessage('创建成功')
  @ApiOperation({ summary: '下单 / Create the trade: one order per store, idempotent by outside_sn' })
  @ApiEnvelope(
    'mall',
    CreateOrderDataDto,
    [...SIGNED_ERRORS, ErrorCode.NotFound, ErrorCode.InsufficientFunds, ErrorCode.CouponUnusable, ErrorCode.OutOfStock],
    '创建成功',
  )
  create(@MallAppId() appId: string, @Body() dto: CreateOrderDto, @Claim() claim: RequestClaim): Promise<CreateOrderDataDto> {
    return this.orders.create(appId, dto, claim);
  }

  @Post('detail')
  @HttpCode(200)
  @Signed('mall')
  @ApiOperation({ summary: '订单详情 / Trade detail by outside_sn or trade_sn (own app only)' })
  @ApiEnvelope('mall', TradeViewDto, [...SIGNED_ERRORS, ErrorCode.NotFound])
  detail(@MallAppId() appId: string, @Body() dto: OrderLookupDto): Promise<TradeViewDto> {
    return this.orders.detail(appId, dto);
  }

  @Post('close')
  @HttpCode(200)
  @Signed('mall')
  @ApiOperation({
    summary: '关闭订单 / Close an unpaid trade: stock, points, balance and coupons return',
    description:
      'An open Alipay payment is reconciled first (`alipay.trade.query`): paid there (a lost notify) → the trade is settled and the close ' +
      'is 42204; awaiting payment → closed at Alipay, then here; no usable answer → 503 and nothing closes.',
  })
  @ApiEnvelope('mall', ClosedTradeDto, [...SIGNED_ERRORS, ErrorCode.NotFound, ErrorCode.IllegalState])
  close(@MallAppId() appId: string, @Body() dto: CloseOrderDto, @Claim() claim?: RequestClaim): Promise<ClosedTradeDto> {
    return this.orders.close(appId, dto.outside_sn, claim);
  }

  @Post('refund')
  @HttpCode(200)
  @Signed('mall')
  @ApiOperation({
    summary: '退款 / Refund one order of a paid trade (own app only)',
    description:
      '`amount` (yuan, default all that remains) comes from the order\'s cash price, refunded through the trade\'s Alipay payment. The order is ' +
      '11 while the refund is under way; a full refund closes it (-1) and gives back its point and balance deductions, a partial one returns ' +
      'it to its status. The merchant is notified (`order_refunded`). Unpaid, closed or refunding orders: 42204; above what remains: 42205.',
  })
  @ApiEnvelope('mall', RefundedOrderDto, [...SIGNED_ERRORS, ErrorCode.NotFound, ErrorCode.IllegalState, ErrorCode.RefundExceeds])
  refund(@MallAppId() appId: string, @Body() dto: RefundOrderDto, @Claim() claim?: RequestClaim): Promise<RefundedOrderDto> {
    return this.refunds.refund(appId, dto, claim);
  }
}
