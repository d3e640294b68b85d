import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/admin/admin.guard';
import { PartnerApi } from '../../common/envelope/api-family.decorator';
import { ErrorCode } from '../../common/errors/app-error';
import { ApiEnvelope } from '../../common/swagger/api-responses';
import { RefundListDto, RefundRequestDto } from '../../payments/refunds/refund.dto';
import { AcceptsIdempotencyKey } from '../../common/idempotency/accepts-idempotency-key.decorator';
import { Claim, RequestClaim } from '../../common/idempotency/request-claim';
import { OrderListResultDto, OrderResultDto } from '../dto/order-info.dto';
import {
  PartnerAddressDto,
  AdjustBalanceDto,
  AdminOrderQueryDto,
  AdminUserDto,
  CouponDto,
  CreateAddressDto,
  CreateCouponDto,
  CreateGiftPackDto,
  CreateLevelDto,
  CreateUserDto,
  GiftPackDto,
  LevelDto,
  PartnerRefundResultDto,
  ShipOrderDto,
} from './partner-admin.dto';
import { PartnerAdminService } from './partner-admin.service';
import { PartnerRefundService } from './partner-refund.service';

const { InvalidParams, BadSignature, NotFound, Conflict, InsufficientFunds, IllegalState, RefundExceeds } = ErrorCode;
/** Every admin endpoint can refuse shape and token. */
const ADMIN_ERRORS = [InvalidParams, BadSignature];

@ApiTags('admin-partner')
@AdminOnly()
@PartnerApi()
@Controller('admin/partner')
export class PartnerAdminController {
  constructor(
    private readonly admin: PartnerAdminService,
    private readonly refunds: PartnerRefundService,
  ) {}

  @Post('users')
  @HttpCode(200)
  @ApiOperation({ summary: '创建合伙人用户（含空钱包）/ Create a partner user (with an empty wallet)' })
  @ApiEnvelope('partner', AdminUserDto, [...ADMIN_ERRORS, NotFound, Conflict])
  createUser(@Body() dto: CreateUserDto): Promise<AdminUserDto> {
    return this.admin.createUser(dto);
  }

  @Get('users/:id')
  @ApiOperation({ summary: '查询用户（余额、积分、等级）/ A user with balance, score and level' })
  @ApiParam({ name: 'id', example: '41840909af844632885424fbc20cae79' })
  @ApiEnvelope('partner', AdminUserDto, [...ADMIN_ERRORS, NotFound])
  getUser(@Param('id') id: string): Promise<AdminUserDto> {
    return this.admin.getUser(id);
  }

  @Post('users/:id/balance')
  @HttpCode(200)
  @ApiOperation({ summary: '调整余额（记入流水，不可低于 0）/ Adjust the balance (ledgered, never below 0)' })
  @ApiParam({ name: 'id', example: '41840909af844632885424fbc20cae79' })
  @ApiEnvelope('partner', AdminUserDto, [...ADMIN_ERRORS, NotFound, InsufficientFunds])
  adjustBalance(@Param('id') id: string, @Body() dto: AdjustBalanceDto): Promise<AdminUserDto> {
    return this.admin.adjustBalance(id, dto);
  }

  @Post('users/:id/addresses')
  @HttpCode(200)
  @ApiOperation({ summary: '添加收货地址 / Add a delivery address' })
  @ApiParam({ name: 'id', example: '41840909af844632885424fbc20cae79' })
  @ApiEnvelope('partner', PartnerAddressDto, [...ADMIN_ERRORS, NotFound])
  addAddress(@Param('id') id: string, @Body() dto: CreateAddressDto): Promise<PartnerAddressDto> {
    return this.admin.addAddress(id, dto);
  }

  @Post('levels')
  @HttpCode(200)
  @ApiOperation({ summary: '创建等级 / Create a level' })
  @ApiEnvelope('partner', LevelDto, [...ADMIN_ERRORS, Conflict])
  createLevel(@Body() dto: CreateLevelDto): Promise<LevelDto> {
    return this.admin.createLevel(dto);
  }

  @Post('gift-packs')
  @HttpCode(200)
  @ApiOperation({ summary: '创建礼包 / Create a gift pack' })
  @ApiEnvelope('partner', GiftPackDto, [...ADMIN_ERRORS, NotFound, Conflict])
  createGiftPack(@Body() dto: CreateGiftPackDto): Promise<GiftPackDto> {
    return this.admin.createGiftPack(dto);
  }

  @Post('coupons')
  @HttpCode(200)
  @ApiOperation({ summary: '发放优惠券 / Give a user a coupon' })
  @ApiEnvelope('partner', CouponDto, [...ADMIN_ERRORS, NotFound])
  createCoupon(@Body() dto: CreateCouponDto): Promise<CouponDto> {
    return this.admin.createCoupon(dto);
  }

  @Get('orders')
  @ApiOperation({ summary: '订单列表 / Orders, newest first' })
  @ApiEnvelope('partner', OrderListResultDto, ADMIN_ERRORS)
  listOrders(@Query() query: AdminOrderQueryDto): Promise<OrderListResultDto> {
    return this.admin.listOrders({ status: query.status, page: query.page ?? 1, pageSize: query.page_size ?? 20 });
  }

  @Post('orders/:order_no/ship')
  @HttpCode(200)
  @ApiOperation({ summary: '发货 / Ship a paid order' })
  @ApiParam({ name: 'order_no', example: '202201071757551641549475668' })
  @ApiEnvelope('partner', OrderResultDto, [...ADMIN_ERRORS, NotFound, IllegalState])
  ship(@Param('order_no') orderNo: string, @Body() dto: ShipOrderDto): Promise<OrderResultDto> {
    return this.admin.ship(orderNo, dto);
  }

  @Post('orders/:order_no/refund')
  @HttpCode(200)
  @ApiOperation({
    summary: '退款 / Refund a paid order through the channel that took the money',
    description:
      '`amount` in yuan, default all that remains. Balance: credited and ledgered at once (`success`). Alipay: `alipay.trade.refund` ' +
      '(`success`, `failed`, or `pending` when Alipay gave no answer: a job decides it). Refunding the whole payable of an unshipped ' +
      'order closes it, returns its stock and takes back its score. Unpaid or closed orders: 42204; above what remains: 42205.',
  })
  @ApiParam({ name: 'order_no', example: '202201071757551641549475668' })
  @AcceptsIdempotencyKey()
  @ApiEnvelope('partner', PartnerRefundResultDto, [...ADMIN_ERRORS, NotFound, Conflict, IllegalState, RefundExceeds])
  refund(@Param('order_no') orderNo: string, @Body() dto: RefundRequestDto, @Claim() claim?: RequestClaim): Promise<PartnerRefundResultDto> {
    return this.refunds.refund(orderNo, dto, claim);
  }

  @Get('orders/:order_no/refunds')
  @ApiOperation({ summary: '退款记录 / An order\'s refunds, newest first' })
  @ApiParam({ name: 'order_no', example: '202201071757551641549475668' })
  @ApiEnvelope('partner', RefundListDto, [...ADMIN_ERRORS, NotFound])
  listRefunds(@Param('order_no') orderNo: string): Promise<RefundListDto> {
    return this.refunds.list(orderNo);
  }
}
