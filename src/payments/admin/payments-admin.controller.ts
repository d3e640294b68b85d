import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/admin/admin.guard';
import { AcceptsIdempotencyKey } from '../../common/idempotency/accepts-idempotency-key.decorator';
import { Claim, RequestClaim } from '../../common/idempotency/request-claim';
import { PartnerApi } from '../../common/envelope/api-family.decorator';
import { ErrorCode } from '../../common/errors/app-error';
import { ApiEnvelope } from '../../common/swagger/api-responses';
import { AdminPaymentListDto, PaymentQueryDto, PaymentRefundResultDto, RefundReasonDto } from '../refunds/refund.dto';
import { PaymentsAdminService } from './payments-admin.service';

const { InvalidParams, BadSignature, NotFound, Conflict, IllegalState, RefundExceeds } = ErrorCode;

@ApiTags('admin-payments')
@AdminOnly()
@PartnerApi()
@Controller('admin/payments')
export class PaymentsAdminController {
  constructor(private readonly admin: PaymentsAdminService) {}

  @Get()
  @ApiOperation({ summary: '支付单列表 / Payments, newest first; needs_refund=1: money that came for an order closed meanwhile' })
  @ApiEnvelope('partner', AdminPaymentListDto, [InvalidParams, BadSignature])
  list(@Query() query: PaymentQueryDto): Promise<AdminPaymentListDto> {
    return this.admin.list({ needsRefund: query.needs_refund === 1, page: query.page ?? 1, pageSize: query.page_size ?? 20 });
  }

  @Post(':out_trade_no/refund')
  @HttpCode(200)
  @ApiOperation({
    summary: '退回迟到的付款 / Refund a payment flagged for refund, whole, through its channel',
    description: 'The flag clears when the refund succeeds. An Alipay refund whose answer was lost stays `pending` until the refund job decides it.',
  })
  @ApiParam({ name: 'out_trade_no', example: '202201071757550123456789' })
  @AcceptsIdempotencyKey()
  @ApiEnvelope('partner', PaymentRefundResultDto, [InvalidParams, BadSignature, NotFound, Conflict, IllegalState, RefundExceeds])
  refund(@Param('out_trade_no') outTradeNo: string, @Body() dto: RefundReasonDto, @Claim() claim?: RequestClaim): Promise<PaymentRefundResultDto> {
    return this.admin.refund(outTradeNo, dto.reason, claim);
  }
}
