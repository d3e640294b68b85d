import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/admin/admin.guard';
import { PartnerApi } from '../../common/envelope/api-family.decorator';
import { ErrorCode, InvalidParamsError } from '../../common/errors/app-error';
import { ApiEnvelope } from '../../common/swagger/api-responses';
import {
  AdjustMemberBalanceDto,
  AdjustPointsDto,
  AdminTradeViewDto,
  AppCreatedDto,
  BindMemberDto,
  CreateAppDto,
  CreateGoodsDto,
  CreateMallCouponDto,
  CreateMemberDto,
  CreateStoreDto,
  GoodsViewDto,
  MallCouponViewDto,
  MemberViewDto,
  NotificationListDto,
  NotificationQueryDto,
  ShipMallOrderDto,
  ShippedOrderDto,
  StoreViewDto,
} from './mall-admin.dto';
import { MallAdminService } from './mall-admin.service';

const { InvalidParams, BadSignature, NotFound, Conflict, InsufficientFunds, IllegalState } = ErrorCode;
/** Every admin endpoint can refuse shape and token. */
const ADMIN_ERRORS = [InvalidParams, BadSignature];

/** A path uid that is not a positive integer is a bad parameter, in the envelope. */
const uidPipe = new ParseIntPipe({ exceptionFactory: () => new InvalidParamsError({ uid: 'uid 必须是整数' }) });

@ApiTags('admin-mall')
@AdminOnly()
@PartnerApi()
@Controller('admin/mall')
export class MallAdminController {
  constructor(private readonly admin: MallAdminService) {}

  @Post('apps')
  @HttpCode(200)
  @ApiOperation({ summary: '创建商户应用（返回 app_id 和密钥）/ Create a merchant app (returns app_id and secret)' })
  @ApiEnvelope('partner', AppCreatedDto, ADMIN_ERRORS)
  createApp(@Body() dto: CreateAppDto): Promise<AppCreatedDto> {
    return this.admin.createApp(dto);
  }

  @Post('stores')
  @HttpCode(200)
  @ApiOperation({ summary: '创建店铺 / Create a store (flat shipping, optional service fees)' })
  @ApiEnvelope('partner', StoreViewDto, [...ADMIN_ERRORS, Conflict])
  createStore(@Body() dto: CreateStoreDto): Promise<StoreViewDto> {
    return this.admin.createStore(dto);
  }

  @Post('goods')
  @HttpCode(200)
  @ApiOperation({ summary: '创建商品（可含规格）/ Create goods, with options' })
  @ApiEnvelope('partner', GoodsViewDto, [...ADMIN_ERRORS, NotFound, Conflict])
  createGoods(@Body() dto: CreateGoodsDto): Promise<GoodsViewDto> {
    return this.admin.createGoods(dto);
  }

  @Post('members')
  @HttpCode(200)
  @ApiOperation({ summary: '创建会员（含空钱包，可绑定商户应用）/ Create a member (with an empty wallet), served by the apps in app_ids' })
  @ApiEnvelope('partner', MemberViewDto, [...ADMIN_ERRORS, NotFound, Conflict])
  createMember(@Body() dto: CreateMemberDto): Promise<MemberViewDto> {
    return this.admin.createMember(dto);
  }

  @Get('members/:uid')
  @ApiOperation({ summary: '查询会员（积分、余额、所属应用）/ A member with points, balance and the apps that serve it' })
  @ApiParam({ name: 'uid', example: 2456 })
  @ApiEnvelope('partner', MemberViewDto, [...ADMIN_ERRORS, NotFound])
  getMember(@Param('uid', uidPipe) uid: number): Promise<MemberViewDto> {
    return this.admin.getMember(uid);
  }

  @Post('apps/:app_id/members')
  @HttpCode(200)
  @ApiOperation({ summary: '会员绑定商户应用（已绑定则不变）/ Let the app serve the member (already bound: unchanged)' })
  @ApiParam({ name: 'app_id', example: '2022010600605642' })
  @ApiEnvelope('partner', MemberViewDto, [...ADMIN_ERRORS, NotFound])
  bindMember(@Param('app_id') appId: string, @Body() dto: BindMemberDto): Promise<MemberViewDto> {
    return this.admin.bindMember(appId, dto.uid);
  }

  @Delete('apps/:app_id/members/:uid')
  @ApiOperation({ summary: '解除会员与商户应用的绑定（已有交易仍属该应用）/ Stop the app serving the member (its existing trades stay the app\'s)' })
  @ApiParam({ name: 'app_id', example: '2022010600605642' })
  @ApiParam({ name: 'uid', example: 2457 })
  @ApiEnvelope('partner', MemberViewDto, [...ADMIN_ERRORS, NotFound])
  unbindMember(@Param('app_id') appId: string, @Param('uid', uidPipe) uid: number): Promise<MemberViewDto> {
    return this.admin.unbindMember(appId, uid);
  }

  @Post('members/:uid/points')
  @HttpCode(200)
  @ApiOperation({ summary: '调整积分（不可低于 0）/ Adjust points (never below 0)' })
  @ApiParam({ name: 'uid', example: 2456 })
  @ApiEnvelope('partner', MemberViewDto, [...ADMIN_ERRORS, NotFound, InsufficientFunds])
  adjustPoints(@Param('uid', uidPipe) uid: number, @Body() dto: AdjustPointsDto): Promise<MemberViewDto> {
    return this.admin.adjustPoints(uid, dto);
  }

  @Post('members/:uid/balance')
  @HttpCode(200)
  @ApiOperation({ summary: '调整商城余额（记入流水，不可低于 0）/ Adjust the mall balance (ledgered, never below 0)' })
  @ApiParam({ name: 'uid', example: 2456 })
  @ApiEnvelope('partner', MemberViewDto, [...ADMIN_ERRORS, NotFound, InsufficientFunds])
  adjustBalance(@Param('uid', uidPipe) uid: number, @Body() dto: AdjustMemberBalanceDto): Promise<MemberViewDto> {
    return this.admin.adjustBalance(uid, dto);
  }

  @Post('coupons')
  @HttpCode(200)
  @ApiOperation({ summary: '发放优惠券（店铺券或平台券）/ Give a member a store or platform coupon' })
  @ApiEnvelope('partner', MallCouponViewDto, [...ADMIN_ERRORS, NotFound])
  createCoupon(@Body() dto: CreateMallCouponDto): Promise<MallCouponViewDto> {
    return this.admin.createCoupon(dto);
  }

  @Get('trades/:trade_sn')
  @ApiOperation({ summary: '查询交易（任意商户）/ A trade with its orders, any app' })
  @ApiParam({ name: 'trade_sn', example: 'TN220318160213A1B2C3' })
  @ApiEnvelope('partner', AdminTradeViewDto, [...ADMIN_ERRORS, NotFound])
  getTrade(@Param('trade_sn') tradeSn: string): Promise<AdminTradeViewDto> {
    return this.admin.getTrade(tradeSn);
  }

  @Post('orders/:order_sn/ship')
  @HttpCode(200)
  @ApiOperation({ summary: '发货（待发货 → 已发货，通知商户）/ Ship an order (1 → 2, merchant notified)' })
  @ApiParam({ name: 'order_sn', example: 'SN220318160213CAD2E1' })
  @ApiEnvelope('partner', ShippedOrderDto, [...ADMIN_ERRORS, NotFound, IllegalState])
  shipOrder(@Param('order_sn') orderSn: string, @Body() dto: ShipMallOrderDto): Promise<ShippedOrderDto> {
    return this.admin.shipOrder(orderSn, dto);
  }

  @Get('notifications')
  @ApiOperation({ summary: '商户通知（如投递失败的）/ Merchant notifications, e.g. ?status=failed' })
  @ApiEnvelope('partner', NotificationListDto, ADMIN_ERRORS)
  notifications(@Query() query: NotificationQueryDto): Promise<NotificationListDto> {
    return this.admin.notifications(query);
  }
}
