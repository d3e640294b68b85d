import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MallApi, SuccessMessage } from '../common/envelope/api-family.decorator';
import { ErrorCode } from '../common/errors/app-error';
import { Claim, RequestClaim } from '../common/idempotency/request-claim';
import { Signed } from '../common/signature/signed.decorator';
import { ApiEnvelope } from '../common/swagger/api-responses';
import { CloseOrderDto, CreateOrderDto, OrderLookupDto, PreOrderDto } from './dto/mall-order-params.dto';
import { ClosedTradeDto, CreateOrderDataDto, PreOrderDataDto, TradeViewDto } from './dto/mall-order-responses.dto';
import { MallAppId } from './mall-app-id.decorator';
import { MallOrderService } from './mall-order.service';

/** Every signed endpoint can refuse shape, signature and replays (nonce reused: 40102; Idempotency-Key reused or in flight: 40901). */
const SIGNED_ERRORS = [ErrorCode.InvalidParams, ErrorCode.BadSignature, ErrorCode.Replay, ErrorCode.Conflict];

@ApiTags('mall 商城开放接口')
@ApiConsumes('application/json', 'application/x-www-form-urlencoded')
@MallApi()
@Controller('order')
export class MallOrderController {
  constructor(private readonly orders: MallOrderService) {}

  @Post('pre')
  @HttpCode(200)
  @Signed('mall')
  @ApiOperation({ summary: '预下单 / Pre-order: price the goods per store, write nothing' })
  @ApiEnvelope('mall', PreOrderDataDto, [...SIGNED_ERRORS, ErrorCode.NotFound, ErrorCode.InsufficientFunds, ErrorCode.CouponUnusable, ErrorCode.OutOfStock])
  pre(@Body() dto: PreOrderDto): Promise<PreOrderDataDto> {
    return this.orders.pre(dto);
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
  create(@MallAppId() appId: string, @Body() dto: CreateOrderDto, @Claim() claim?: RequestClaim): Promise<CreateOrderDataDto> {
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
  @ApiOperation({ summary: '关闭订单 / Close an unpaid trade: stock, points, balance and coupons return' })
  @ApiEnvelope('mall', ClosedTradeDto, [...SIGNED_ERRORS, ErrorCode.NotFound, ErrorCode.IllegalState])
  close(@MallAppId() appId: string, @Body() dto: CloseOrderDto, @Claim() claim?: RequestClaim): Promise<ClosedTradeDto> {
    return this.orders.close(appId, dto.outside_sn, claim);
  }
}
