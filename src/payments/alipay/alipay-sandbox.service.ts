import { Injectable } from '@nestjs/common';
import { randomBytes, randomInt } from 'node:crypto';
import { IllegalStateError, InvalidParamsError, NotFoundError } from '../../common/errors/app-error';
import { AppLogger } from '../../common/http/app-logger';
import { compactTime } from '../../common/time';
import { formatYuan } from '../../common/money';
import { Payment, PaymentStatus } from '../../database/entities/payments/payment.entity';
import { TransactionService } from '../../database/transaction.service';
import { PaymentService } from '../payment.service';
import { AlipayKeys, SandboxAlipayKeys } from './alipay-keys';
import { AlipayService } from './alipay.service';
import { ALIPAY_TIME_ZONE, alipaySignContent, alipayTime, rsa2Sign, rsa2Verify } from './alipay-wire';
import { SandboxPayResultDto } from './dto/alipay-sandbox.dto';

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
export class AlipaySandboxService {
  constructor(
    private readonly keys: AlipayKeys,
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
    return request;
  }

  /** The checkout page's button: its form came back through a browser, so everything is checked again. */
  async payCheckout(form: Record<string, unknown>): Promise<SandboxCheckoutResult> {
    const request = await this.checkout(form);
    const result = await this.pay(request.outTradeNo, request.notifyUrl);
    return { result, returnLink: request.returnUrl ? this.returnLink(request, result.trade_no) : '' };
  }

  /** Pays as a buyer would and posts the notify; the amount is the stored payment's, never the caller's. */
  async pay(outTradeNo: string, notifyUrl = this.alipay.notifyUrl()): Promise<SandboxPayResultDto> {
    const payment = await this.payable(outTradeNo);
    const notify = this.signNotify(this.notifyFor(payment));
    const notifyResponse = await this.deliver(notifyUrl, notify);
    return { out_trade_no: outTradeNo, trade_no: notify.trade_no, notify_url: notifyUrl, notify_response: notifyResponse };
  }

  /** An unsigned TRADE_SUCCESS notify for the payment, as Alipay would send it. */
  notifyFor(payment: Payment): Record<string, string> {
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
      trade_no: newTradeNo(now),
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
    const sign = rsa2Sign(alipaySignContent(params, ['sign', 'sign_type']), this.sandboxKeys().alipayPrivateKey);
    return { ...params, sign_type: 'RSA2', sign };
  }

  private verifyPayRequest(query: Record<string, unknown>): SandboxPayRequest {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) {
      if (typeof value !== 'string') throw new InvalidParamsError({ [key]: `${key} 格式不正确` });
      params[key] = value;
    }
    const { sign } = params;
    if (!sign || params.sign_type !== 'RSA2' || !rsa2Verify(alipaySignContent(params, ['sign']), sign, this.sandboxKeys().appPublicKey)) {
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

  private sandboxKeys(): SandboxAlipayKeys {
    if (!this.keys.sandbox) throw new Error('the Alipay sandbox runs only in sandbox mode');
    return this.keys.sandbox;
  }
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
