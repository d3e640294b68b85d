import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PartnerApi } from '../common/envelope/api-family.decorator';
import { ErrorCode } from '../common/errors/app-error';
import { Claim, RequestClaim } from '../common/idempotency/request-claim';
import { DedupeIdenticalRequests, Signed } from '../common/signature/signed.decorator';
import { ApiEnvelope } from '../common/swagger/api-responses';
import { GiftListResultDto } from './dto/gift-pack.dto';
import { OrderListDto, OrderNoDto } from './dto/order-actions.dto';
import { OrderListResultDto, OrderResultDto, PayResultDto } from './dto/order-info.dto';
import { PayOrderDto } from './dto/pay-order.dto';
import { UserScopedDto } from './dto/user-scoped.dto';
import { PartnerOrderService, PayType } from './partner-order.service';
import { OrderStatus } from './order-status';
import { countPayment } from '../metrics/metrics';

const { InvalidParams, BadSignature, Replay, UserToken, NotFound, Conflict, InsufficientFunds, CouponUnusable, OutOfStock, IllegalState } = ErrorCode;
/** Every partner endpoint can refuse shape, signature, replay, the user token and a reused idempotency key. */
const SIGNED_ERRORS = [InvalidParams, BadSignature, Replay, UserToken, Conflict];

@ApiTags('partner')
@ApiConsumes('application/json', 'application/x-www-form-urlencoded')
@PartnerApi()
@Controller('app/partner')
export class PartnerOrderController {
  constructor(private readonly orders: PartnerOrderService) {}

  @Post('order/pay')
  @HttpCode(200)
  @Signed('partner')
  @DedupeIdenticalRequests()
  @ApiOperation({ summary: '订单支付（余额或支付宝）/ Pay for a gift pack (balance or Alipay)' })
  @ApiEnvelope('partner', PayResultDto, [...SIGNED_ERRORS, NotFound, InsufficientFunds, CouponUnusable, OutOfStock])
  pay(@Body() dto: PayOrderDto, @Claim() claim?: RequestClaim): Promise<PayResultDto> {
    const paying = this.orders.pay({ userId: dto.user_id, payType: dto.pay_type, giftPosId: dto.gift_pos_id, couponId: dto.coupon_id, addressId: dto.address_id }, claim);
    return countPayment(dto.pay_type === PayType.Balance ? 'balance' : 'alipay', paying, (r) => (r.order_info.order_status === OrderStatus.Paid ? 'paid' : 'pending'));
  }

  @Post('gift/list')
  @HttpCode(200)
  @Signed('partner')
  @ApiOperation({ summary: '在售礼包列表 / Gift packs on sale', operationId: 'partnerGiftList' })
  @ApiEnvelope('partner', GiftListResultDto, [...SIGNED_ERRORS, NotFound])
  giftList(@Body() dto: UserScopedDto): Promise<GiftListResultDto> {
    return this.orders.giftList(dto.user_id);
  }

  @Post('order/detail')
  @HttpCode(200)
  @Signed('partner')
  @ApiOperation({ summary: '订单详情 / Order detail' })
  @ApiEnvelope('partner', OrderResultDto, [...SIGNED_ERRORS, NotFound])
  detail(@Body() dto: OrderNoDto): Promise<OrderResultDto> {
    return this.orders.detail(dto.user_id, dto.order_no);
  }

  @Post('order/list')
  @HttpCode(200)
  @Signed('partner')
  @ApiOperation({ summary: '订单列表 / My orders, newest first' })
  @ApiEnvelope('partner', OrderListResultDto, [...SIGNED_ERRORS, NotFound])
  list(@Body() dto: OrderListDto): Promise<OrderListResultDto> {
    return this.orders.list(dto.user_id, { orderStatus: dto.order_status, page: dto.page ?? 1, pageSize: dto.page_size ?? 20 });
  }

  @Post('order/cancel')
  @HttpCode(200)
  @Signed('partner')
  @ApiOperation({ summary: '取消待支付订单 / Cancel an order awaiting payment' })
  @ApiEnvelope('partner', OrderResultDto, [...SIGNED_ERRORS, NotFound, IllegalState])
  cancel(@Body() dto: OrderNoDto, @Claim() claim?: RequestClaim): Promise<OrderResultDto> {
    return this.orders.cancel(dto.user_id, dto.order_no, claim);
  }

  @Post('order/repay')
  @HttpCode(200)
  @Signed('partner')
  @ApiOperation({ summary: '重新获取支付宝支付地址 / A fresh Alipay pay URL for an order awaiting payment' })
  @ApiEnvelope('partner', PayResultDto, [...SIGNED_ERRORS, NotFound, IllegalState])
  repay(@Body() dto: OrderNoDto): Promise<PayResultDto> {
    return this.orders.repay(dto.user_id, dto.order_no);
  }

  @Post('order/receive')
  @HttpCode(200)
  @Signed('partner')
  @ApiOperation({ summary: '确认收货 / Confirm receipt of a shipped order' })
  @ApiEnvelope('partner', OrderResultDto, [...SIGNED_ERRORS, NotFound, IllegalState])
  receive(@Body() dto: OrderNoDto, @Claim() claim?: RequestClaim): Promise<OrderResultDto> {
    return this.orders.receive(dto.user_id, dto.order_no, claim);
  }
}
