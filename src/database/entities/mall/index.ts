/** Entities of the mall module. */
import { MallApp } from './mall-app.entity';
import { MallCoupon } from './mall-coupon.entity';
import { MallGoods } from './mall-goods.entity';
import { MallGoodsOption } from './mall-goods-option.entity';
import { MallMember } from './mall-member.entity';
import { MallMemberApp } from './mall-member-app.entity';
import { MallMerchantNotification } from './mall-merchant-notification.entity';
import { MallOrder } from './mall-order.entity';
import { MallOrderGoods } from './mall-order-goods.entity';
import { MallStore } from './mall-store.entity';
import { MallTrade } from './mall-trade.entity';

export const MALL_ENTITIES: Function[] = [
  MallApp,
  MallStore,
  MallGoods,
  MallGoodsOption,
  MallMember,
  MallMemberApp,
  MallCoupon,
  MallTrade,
  MallOrder,
  MallOrderGoods,
  MallMerchantNotification,
];
