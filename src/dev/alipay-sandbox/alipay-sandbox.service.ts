import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { IllegalStateError, InvalidParamsError, NotFoundError } from '../../common/errors/app-error';
import { AppLogger } from '../../common/http/app-logger';
import { compactTime } from '../../common/time';
import { Fen, formatYuan, yuanToFen } from '../../common/money';
import { AppConfig } from '../../config/app-config';
import { Payment, PaymentStatus } from '../../database/entities/payments/payment.entity';
import { TransactionService } from '../../database/transaction.service';
import { PaymentService } from '../../payments/payment.service';
import { AlipayKeys } from '../../payments/alipay/alipay-keys';
import { AlipayService } from '../../payments/alipay/alipay.service';
import { AlipaySandboxLedger, SandboxRefusal, SandboxTrade } from './alipay-sandbox-ledger';
import { ALIPAY_TIME_ZONE, alipaySignContent, alipayTime, NOTIFY_UNSIGNED, rsa2Sign, rsa2Verify } from '../../payments/alipay/alipay-wire';
import { SandboxPayResultDto, SandboxTradeDto } from './dto/alipay-sandbox.dto';
import { SandboxAlipayKeys } from './sandbox-keys';

/** The OpenAPI methods the sandbox gateway answers (SPEC §6). */
export const SANDBOX_OPENAPI_METHODS = ['alipay.trade.query', 'alipay.trade.close', 'alipay.trade.refund', 'alipay.trade.fastpay.refund.query'] as const;
export type SandboxOpenApiMethod = (typeof SANDBOX_OPENAPI_METHODS)[number];

const REFUSAL_MESSAGES: Record<SandboxRefusal, string> = {
  'ACQ.TRADE_NOT_EXIST': '交易不存在',
  'ACQ.TRADE_STATUS_ERROR': '交易状态不合法',
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': '退款金额超限',
  'ACQ.TRADE_HAS_CLOSE': '交易已经关闭',
};

type OpenApiBody = Record<string, string>;

const NOTIFY_TIMEOUT_MS = 10_000;
const SANDBOX_BUYER_ID = '2088000000000001';

/** A pay URL's request, verified: what the checkout page shows and its "pay" button sends back. */
export interface SandboxPayRequest {
  /** Every parameter as signed, so the payment step can verify them again. */
  params: Record<string, string>;
  outTradeNo: string;
  subject: string;
  totalAmount: string;
  timeExpire: string;
  notifyUrl: string;
  returnUrl: string;
}

export interface SandboxCheckoutResult {
  result: SandboxPayResultDto;
  /** Where the buyer goes back to, with Alipay's signed return parameters; `''` without a return_url. */
  returnLink: string;
}

/**
 * Plays Alipay for development and tests: checks our signed pay requests with the app public key, and pays by
 * posting a notify signed with its own "Alipay" private key, exactly as the live notify arrives.
 */
@Injectable()
export class AlipaySandboxService implements OnApplicationShutdown {
  private openLedger: AlipaySandboxLedger | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: AlipayKeys,
    private readonly sandboxKeys: SandboxAlipayKeys,
    private readonly alipay: AlipayService,
    private readonly payments: PaymentService,
    private readonly tx: TransactionService,
    private readonly logger: AppLogger,
  ) {}

  /** The gateway's checks on a pay URL: our signature, our app, the method, and a payable payment of that amount. */
  async checkout(query: Record<string, unknown>): Promise<SandboxPayRequest> {
    const request = this.verifyPayRequest(query);
    const payment = await this.payable(request.outTradeNo);
    if (formatYuan(payment.amount) !== request.totalAmount) {
      throw new InvalidParamsError({ total_amount: `total_amount ${request.totalAmount} 与支付单金额 ${formatYuan(payment.amount)} 不符` }, '金额与支付单不符');
    }
    // a trade exists at Alipay from the moment its buyer opens the cashier
    this.ledger().open(payment.outTradeNo, payment.amount, newTradeNo(new Date()));
    return request;
  }

  /** The checkout page's button: its form came back through a browser, so everything is checked again. */
  async payCheckout(form: Record<string, unknown>): Promise<SandboxCheckoutResult> {
    const request = await this.checkout(form);
    const result = await this.pay(request.outTradeNo, request.notifyUrl);
    return { result, returnLink: request.returnUrl ? this.returnLink(request, result.trade_no) : '' };
  }

  /**
   * Pays as a buyer would and posts the notify, unless `notify` is false (a notify Alipay sent and we never got:
   * the trade is paid at Alipay all the same). The amount is the stored payment's, never the caller's.
   */
  async pay(outTradeNo: string, notifyUrl = this.alipay.notifyUrl(), notify = true): Promise<SandboxPayResultDto> {
    const payment = await this.payable(outTradeNo);
    const now = new Date();
    const trade = this.ledger().pay(payment.outTradeNo, payment.amount, newTradeNo(now), now);
    if (!trade) throw new IllegalStateError(this.ledger().find(outTradeNo)?.status === 'TRADE_SUCCESS' ? '交易已支付' : '交易已关闭');
    if (!notify) return { out_trade_no: outTradeNo, trade_no: trade.tradeNo, notify_url: notifyUrl, notify_response: 'not_sent' };
    const signed = this.signNotify(this.notifyFor(payment, trade.tradeNo));
    const notifyResponse = await this.deliver(notifyUrl, signed);
    return { out_trade_no: outTradeNo, trade_no: trade.tradeNo, notify_url: notifyUrl, notify_response: notifyResponse };
  }

  /** The sandbox's record of a trade and its refunds. */
  trade(outTradeNo: string): SandboxTradeDto {
    const trade = this.ledger().find(outTradeNo);
    if (!trade) throw new NotFoundError('交易不存在');
    return {
      out_trade_no: trade.outTradeNo,
      trade_no: trade.tradeNo,
      trade_status: trade.status,
      total_amount: formatYuan(trade.totalAmount),
      refunded_amount: formatYuan(trade.refundedAmount),
      refunds: this.ledger().refundsOf(outTradeNo).map((r) => ({ out_request_no: r.outRequestNo, refund_amount: formatYuan(r.amount) })),
    };
  }

  /** The next call of `method` at the gateway is carried out, but its answer is lost (the caller times out). */
  dropNext(method: SandboxOpenApiMethod): void {
    this.ledger().dropNext(method);
  }

  /**
   * The gateway's answer to an OpenAPI call (alipay-sdk `exec`), as the text Alipay sends: `{"<method>_response":
   * {...},"sign":"..."}`, signed with the sandbox's Alipay key over the response object exactly as written. Null when
   * the answer is to be dropped.
   */
  openApi(params: Record<string, unknown>): string | null {
    const method = typeof params.method === 'string' ? params.method : '';
    const responseKey = `${(method || 'error').replaceAll('.', '_')}_response`;
    const body = this.answer(method, params);
    if (SANDBOX_OPENAPI_METHODS.includes(method as SandboxOpenApiMethod) && this.ledger().takeDrop(method)) return null;
    const json = JSON.stringify(body);
    return `{"${responseKey}":${json},"sign":"${rsa2Sign(json, this.sandboxKeys.alipayPrivateKey)}"}`;
  }

  onApplicationShutdown(): void {
    this.openLedger?.close();
    this.openLedger = null;
  }

  private answer(method: string, params: Record<string, unknown>): OpenApiBody {
    const strings: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) if (typeof value === 'string') strings[key] = value;
    if (!strings.sign || strings.sign_type !== 'RSA2' || !rsa2Verify(alipaySignContent(strings, ['sign']), strings.sign, this.sandboxKeys.appPublicKey)) {
      return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' };
    }
    if (strings.app_id !== this.keys.appId) return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id', sub_msg: '无效的AppID参数' };
    let biz: Record<string, unknown>;
    try {
      biz = JSON.parse(strings.biz_content ?? '{}') as Record<string, unknown>;
    } catch {
      return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter', sub_msg: 'biz_content 不是 JSON' };
    }
    const outTradeNo = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : '';
    if (!outTradeNo) return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.missing-parameter', sub_msg: '缺少 out_trade_no' };
    const now = new Date();
    switch (method) {
      case 'alipay.trade.query': {
        const trade = this.ledger().find(outTradeNo);
        if (!trade) return refusal('ACQ.TRADE_NOT_EXIST', outTradeNo);
        return {
          ...success(trade),
          trade_status: trade.status,
          total_amount: formatYuan(trade.totalAmount),
          ...(trade.paidAt ? { buyer_pay_amount: formatYuan(trade.totalAmount), send_pay_date: alipayTime(new Date(trade.paidAt)) } : {}),
        };
      }
      case 'alipay.trade.close': {
        const closed = this.ledger().closeTrade(outTradeNo);
        return closed.ok ? success(closed.trade) : refusal(closed.refusal, outTradeNo);
      }
      case 'alipay.trade.refund': {
        const amount: Fen | null = yuanToFen(biz.refund_amount);
        const outRequestNo = typeof biz.out_request_no === 'string' && biz.out_request_no ? biz.out_request_no : outTradeNo;
        if (amount === null || amount <= 0) return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter', sub_msg: 'refund_amount 不合法' };
        const refunded = this.ledger().refund(outTradeNo, outRequestNo, amount, now);
        if (!refunded.ok) return refusal(refunded.refusal, outTradeNo);
        return {
          ...success(refunded.trade),
          buyer_logon_id: 'san***@sandbox.com',
          fund_change: refunded.fundChange,
          refund_fee: formatYuan(refunded.trade.refundedAmount),
          gmt_refund_pay: alipayTime(new Date(refunded.refund.createdAt)),
          buyer_user_id: SANDBOX_BUYER_ID,
        };
      }
      case 'alipay.trade.fastpay.refund.query': {
        const trade = this.ledger().find(outTradeNo);
        if (!trade) return refusal('ACQ.TRADE_NOT_EXIST', outTradeNo);
        const outRequestNo = typeof biz.out_request_no === 'string' ? biz.out_request_no : '';
        const refund = this.ledger().refundOf(outTradeNo, outRequestNo);
        // Alipay answers 10000 without refund_amount when it holds no such refund
        if (!refund) return { ...success(trade), out_request_no: outRequestNo };
        return {
          ...success(trade),
          out_request_no: outRequestNo,
          total_amount: formatYuan(trade.totalAmount),
          refund_amount: formatYuan(refund.amount),
          refund_status: 'REFUND_SUCCESS',
          gmt_refund_pay: alipayTime(new Date(refund.createdAt)),
        };
      }
      default:
        return { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method', sub_msg: `沙箱不支持 ${method || '(none)'}` };
    }
  }

  /** The sandbox's record of trades, shared by every instance on the data directory; opened on first use. */
  private ledger(): AlipaySandboxLedger {
    this.openLedger ??= new AlipaySandboxLedger(join(this.config.DATA_DIR, 'alipay-sandbox', 'gateway.sqlite'));
    return this.openLedger;
  }

  /** An unsigned TRADE_SUCCESS notify for the payment, as Alipay would send it. */
  notifyFor(payment: Payment, tradeNo = newTradeNo(new Date())): Record<string, string> {
    const now = new Date();
    const amount = formatYuan(payment.amount);
    return {
      notify_time: alipayTime(now),
      notify_type: 'trade_status_sync',
      notify_id: randomBytes(16).toString('hex'),
      app_id: this.keys.appId,
      auth_app_id: this.keys.appId,
      charset: 'utf-8',
      version: '1.0',
      trade_no: tradeNo,
      out_trade_no: payment.outTradeNo,
      buyer_id: SANDBOX_BUYER_ID,
      seller_id: this.keys.sellerId,
      trade_status: 'TRADE_SUCCESS',
      total_amount: amount,
      receipt_amount: amount,
      buyer_pay_amount: amount,
      subject: payment.subject,
      gmt_create: alipayTime(payment.createdAt),
      gmt_payment: alipayTime(now),
    };
  }

  /** Signs as Alipay signs its notifies and return parameters: RSA2 over every field but `sign` and `sign_type`. */
  signNotify(params: Record<string, string>): Record<string, string> {
    const sign = rsa2Sign(alipaySignContent(params, NOTIFY_UNSIGNED), this.sandboxKeys.alipayPrivateKey);
    return { ...params, sign_type: 'RSA2', sign };
  }

  private verifyPayRequest(query: Record<string, unknown>): SandboxPayRequest {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) {
      if (typeof value !== 'string') throw new InvalidParamsError({ [key]: `${key} 格式不正确` });
      params[key] = value;
    }
    const { sign } = params;
    if (!sign || params.sign_type !== 'RSA2' || !rsa2Verify(alipaySignContent(params, ['sign']), sign, this.sandboxKeys.appPublicKey)) {
      throw new InvalidParamsError({ sign: '签名验证失败 / the signature does not verify with the app public key' }, '签名验证失败');
    }
    if (params.app_id !== this.keys.appId) throw new InvalidParamsError({ app_id: `app_id 应为沙箱应用 ${this.keys.appId}` });
    if (params.method !== 'alipay.trade.wap.pay') throw new InvalidParamsError({ method: 'method 必须是 alipay.trade.wap.pay' });
    // notify_url is covered by our own signature, so nobody else can make the sandbox post somewhere
    if (!params.notify_url) throw new InvalidParamsError({ notify_url: 'notify_url 不能为空' });
    const biz = parseBizContent(params.biz_content);
    if (!biz) throw new InvalidParamsError({ biz_content: 'biz_content 须含 out_trade_no、total_amount、subject' });
    return { params, ...biz, notifyUrl: params.notify_url, returnUrl: params.return_url ?? '' };
  }

  private async payable(outTradeNo: string): Promise<Payment> {
    const payment = await this.tx.run((em) => this.payments.findByOutTradeNo(em, outTradeNo));
    if (!payment) throw new NotFoundError('交易不存在');
    if (payment.status === PaymentStatus.Paid) throw new IllegalStateError('交易已支付');
    // Alipay refuses a trade past its time_expire, but knows nothing of a payment we closed before that:
    // paying it reproduces money arriving for a cancelled order.
    if (payment.expiresAt.getTime() <= Date.now()) throw new IllegalStateError('交易已超时关闭');
    return payment;
  }

  private async deliver(notifyUrl: string, notify: Record<string, string>): Promise<'success' | 'failure'> {
    try {
      const response = await fetch(notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(notify).toString(),
        signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      });
      return (await response.text()).trim() === 'success' ? 'success' : 'failure';
    } catch (error) {
      this.logger.warn('alipay sandbox could not deliver its notify (is PUBLIC_BASE_URL reachable?)', { notify_url: notifyUrl, error: (error as Error).message });
      return 'failure';
    }
  }

  private returnLink(request: SandboxPayRequest, tradeNo: string): string {
    const params = this.signNotify({
      app_id: this.keys.appId,
      auth_app_id: this.keys.appId,
      method: 'alipay.trade.wap.pay.return',
      charset: 'utf-8',
      version: '1.0',
      timestamp: alipayTime(new Date()),
      out_trade_no: request.outTradeNo,
      trade_no: tradeNo,
      total_amount: request.totalAmount,
      seller_id: this.keys.sellerId,
    });
    const url = new URL(request.returnUrl, request.notifyUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

}

function success(trade: SandboxTrade): OpenApiBody {
  return { code: '10000', msg: 'Success', trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
}

function refusal(subCode: SandboxRefusal, outTradeNo: string): OpenApiBody {
  return { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: REFUSAL_MESSAGES[subCode], out_trade_no: outTradeNo };
}

function parseBizContent(text: string | undefined): Pick<SandboxPayRequest, 'outTradeNo' | 'subject' | 'totalAmount' | 'timeExpire'> | null {
  let biz: unknown;
  try {
    biz = JSON.parse(text ?? '');
  } catch {
    return null;
  }
  const { out_trade_no, total_amount, subject, time_expire } = (biz ?? {}) as Record<string, unknown>;
  if (typeof out_trade_no !== 'string' || !out_trade_no || typeof total_amount !== 'string' || typeof subject !== 'string') return null;
  return { outTradeNo: out_trade_no, totalAmount: total_amount, subject, timeExpire: typeof time_expire === 'string' ? time_expire : '' };
}

/** Alipay's shape: trade date, `2200`, 16 digits. */
function newTradeNo(now: Date): string {
  const digits = () => String(randomInt(0, 1e8)).padStart(8, '0');
  return `${compactTime(now, ALIPAY_TIME_ZONE).slice(0, 8)}2200${digits()}${digits()}`;
}
