import { GiftPack } from './gift-pack.entity';
import { OrderNumberSlot } from './order-number-slot.entity';
import { PartnerAddress } from './partner-address.entity';
import { PartnerCoupon } from './partner-coupon.entity';
import { PartnerLevel } from './partner-level.entity';
import { PartnerOrder } from './partner-order.entity';
import { PartnerUser } from './partner-user.entity';

/** Entities of the partner module. */
export const PARTNER_ENTITIES: Function[] = [PartnerLevel, PartnerUser, PartnerAddress, GiftPack, PartnerCoupon, PartnerOrder, OrderNumberSlot];
