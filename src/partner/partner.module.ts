import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { PartnerAdminController } from './admin/partner-admin.controller';
import { PartnerAdminService } from './admin/partner-admin.service';
import { PartnerRefundService } from './admin/partner-refund.service';
import { PartnerOrderRefunds } from './partner-order-refunds';
import { PartnerOrderTimeoutJob } from './partner-order-timeout.job';
import { PartnerOrderController } from './partner-order.controller';
import { OrderNumberSlots } from './order-number-slots';
import { PartnerOrderService } from './partner-order.service';
import { PartnerOrderSettlement } from './partner-order.settlement';

/** Gift-pack orders of the partner app (SPEC §4), their admin API (SPEC §7) and refunds (SPEC §10). */
@Module({
  imports: [PaymentsModule],
  controllers: [PartnerOrderController, PartnerAdminController],
  providers: [OrderNumberSlots, PartnerOrderService, PartnerAdminService, PartnerRefundService, PartnerOrderSettlement, PartnerOrderRefunds, PartnerOrderTimeoutJob],
})
export class PartnerModule {}
