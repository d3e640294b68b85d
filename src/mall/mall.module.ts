import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { MallAdminController } from './admin/mall-admin.controller';
import { MallAdminService } from './admin/mall-admin.service';
import { CashierLinks } from './cashier/cashier-links';
import { CashierController } from './cashier/cashier.controller';
import { CashierService } from './cashier/cashier.service';
import { MerchantNotifyJob } from './notify/merchant-notify.job';
import { MallOrderController } from './mall-order.controller';
import { MallOrderService } from './mall-order.service';
import { MallRefundService } from './mall-refund.service';
import { MerchantOutbox } from './notify/merchant-outbox.service';
import { OrderPricingService } from './pricing/order-pricing.service';
import { MallOrderRefunds } from './trade/mall-order-refunds';
import { MallTradeLifecycle } from './trade/mall-trade-lifecycle.service';
import { MallTradeTimeoutJob } from './trade/mall-trade-timeout.job';
import { MallTradeViews } from './trade/mall-trade-views';
import { MallTradeSettlement } from './trade/mall-trade.settlement';

/** YunShop-style mall open API (SPEC §5), its cashier page and merchant notifications (§6), its admin API (§7). */
@Module({
  imports: [PaymentsModule],
  controllers: [MallOrderController, CashierController, MallAdminController],
  providers: [
    OrderPricingService,
    MallOrderService,
    MallTradeViews,
    MallTradeLifecycle,
    MallTradeSettlement,
    MallOrderRefunds,
    MallRefundService,
    MallTradeTimeoutJob,
    MerchantOutbox,
    CashierService,
    CashierLinks,
    MallAdminService,
    MerchantNotifyJob,
  ],
})
export class MallModule {}
