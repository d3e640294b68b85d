import { Module } from '@nestjs/common';
import { AlipayNotifyController } from './alipay/alipay-notify.controller';
import { AlipayNotifyService } from './alipay/alipay-notify.service';
import { AlipayService } from './alipay/alipay.service';
import { PaymentsAdminController } from './admin/payments-admin.controller';
import { PaymentsAdminService } from './admin/payments-admin.service';
import { PaymentReconciliation } from './payment-reconciliation.service';
import { PaymentSettlementRegistry } from './payment-settlement.registry';
import { PaymentService } from './payment.service';
import { LatePaymentRefunds } from './refunds/late-payment-refunds';
import { RefundDecisionJob } from './refunds/refund-decision.job';
import { RefundHandlerRegistry } from './refunds/refund-handler.registry';
import { RefundService } from './refunds/refund.service';
import { WalletService } from './wallet/wallet.service';

@Module({
  controllers: [AlipayNotifyController, PaymentsAdminController],
  providers: [
    WalletService,
    PaymentService,
    PaymentSettlementRegistry,
    AlipayService,
    AlipayNotifyService,
    PaymentReconciliation,
    RefundHandlerRegistry,
    RefundService,
    RefundDecisionJob,
    LatePaymentRefunds,
    PaymentsAdminService,
  ],
  exports: [WalletService, PaymentService, PaymentSettlementRegistry, AlipayService, PaymentReconciliation, RefundHandlerRegistry, RefundService],
})
export class PaymentsModule {}
