import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { PartnerAdminController } from './admin/partner-admin.controller';
import { PartnerAdminService } from './admin/partner-admin.service';
import { PartnerOrderTimeoutJob } from './partner-order-timeout.job';
import { PartnerOrderController } from './partner-order.controller';
import { PartnerOrderService } from './partner-order.service';
import { PartnerOrderSettlement } from './partner-order.settlement';

/** Gift-pack orders of the partner app (SPEC §4) and their admin API (SPEC §7). */
@Module({
  imports: [PaymentsModule],
  controllers: [PartnerOrderController, PartnerAdminController],
  providers: [PartnerOrderService, PartnerAdminService, PartnerOrderSettlement, PartnerOrderTimeoutJob],
})
export class PartnerModule {}
