import { Injectable } from '@nestjs/common';
import type { AlipaySdk } from 'alipay-sdk';
import { IllegalStateError } from '../../common/errors/app-error';
import { Fen, formatYuan, yuanToFen } from '../../common/money';
import { AppConfig } from '../../config/app-config';
import { Payment, PaymentStatus } from '../../database/entities/payments/payment.entity';
import { VerifiedPaymentNotice } from '../payment.service';
import { AlipayKeys, pemOf } from './alipay-keys';
import { alipaySignContent, alipayTime, NOTIFY_PATH, NOTIFY_UNSIGNED, rsa2Sign, rsa2Verify } from './alipay-wire';

export type NotifyRejection = 'bad_signature' | 'app_id_mismatch' | 'seller_id_mismatch' | 'missing_out_trade_no' | 'bad_total_amount';

/**
 * What an OpenAPI call (`alipay.trade.query` and the like) came back with: Alipay's answer, its signature verified;
 * a business refusal (`40004` with its `sub_code`); or no usable answer (timeout, network, system error, an answer
 * whose signature does not verify), after which nothing may be concluded.
 */
export type AlipayAnswer<T> = { kind: 'ok'; data: T } | { kind: 'refused'; subCode: string; subMsg: string } | { kind: 'no_answer'; error: string };

/** `alipay.trade.query`, camel-cased by alipay-sdk. */
export interface AlipayTradeQuery {
  tradeNo?: string;
  outTradeNo?: string;
  tradeStatus?: string;
  totalAmount?: string;
}

/** `alipay.trade.refund`: `fundChange` Y when this call moved money, N when the refund was made before. */
export interface AlipayTradeRefund {
  tradeNo?: string;
  fundChange?: string;
  refundFee?: string;
}

/** `alipay.trade.fastpay.refund.query`: without `refundAmount` (or with another `refundStatus`) Alipay holds no such refund. */
export interface AlipayRefundQuery {
  outRequestNo?: string;
  refundAmount?: string;
  refundStatus?: string;
}

export type NotifyVerification =
  | { ok: true; tradeStatus: string; notice: VerifiedPaymentNotice }
  | { ok: false; reason: NotifyRejection };

/**
 * The Alipay channel: signed pay URLs out, verified notifies in (both with the key objects parsed at start), and
 * OpenAPI calls through alipay-sdk. Live or sandbox by configuration.
 */
@Injectable()
export class AlipayService {
  private loadedSdk?: AlipaySdk;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: AlipayKeys,
  ) {}

  /**
   * alipay-sdk with what it pulls in (urllib, undici, crypto-js, ...) takes a fifth of a second to load, an eighth of
   * the start: it is loaded by the first Alipay request instead. The keys it is given were checked at start.
   */
  private get sdk(): AlipaySdk {
    if (!this.loadedSdk) {
      const { AlipaySdk } = require('alipay-sdk') as typeof import('alipay-sdk');
      this.loadedSdk = new AlipaySdk({
        appId: this.keys.appId,
        privateKey: pemOf(this.keys.appPrivateKey),
        keyType: 'PKCS8',
        alipayPublicKey: pemOf(this.keys.alipayPublicKey),
        signType: 'RSA2',
        gateway: this.keys.gateway,
      });
    }
    return this.loadedSdk;
  }

  /** Where Alipay posts its notifies. */
  notifyUrl(): string {
    return `${this.publicBaseUrl()}${NOTIFY_PATH}`;
  }

  /**
   * A signed `alipay.trade.wap.pay` GET URL that expires with the payment: the OpenAPI 2.0 common parameters and
   * `biz_content`, signed over everything but `sign`, all in the query. Built here rather than by alipay-sdk's
   * `pageExecute`, which hands OpenSSL the private key's PEM text on every call (0.8 ms of a pay's CPU).
   */
  payUrl(payment: Payment, opts: { returnUrl?: string } = {}): string {
    if (payment.status !== PaymentStatus.Pending) throw new IllegalStateError('支付单不是待支付状态');
    const params: Record<string, string> = {
      app_id: this.keys.appId,
      method: 'alipay.trade.wap.pay',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: alipayTime(new Date()),
      version: '1.0',
      notify_url: this.notifyUrl(),
      ...(opts.returnUrl ? { return_url: opts.returnUrl } : {}),
      biz_content: JSON.stringify({
        out_trade_no: payment.outTradeNo,
        total_amount: formatYuan(payment.amount),
        subject: payment.subject,
        product_code: 'QUICK_WAP_WAY',
        time_expire: alipayTime(payment.expiresAt),
      }),
    };
    params.sign = rsa2Sign(alipaySignContent(params, ['sign']), this.keys.appPrivateKey);
    const url = new URL(this.keys.gateway);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  /**
   * Checks a notify before anything acts on it: Alipay's RSA2 signature, our app, our seller (when one is
   * configured), and an amount that parses to exact fen. Whether the payment exists is the caller's question.
   */
  verifyNotify(params: Record<string, unknown>): NotifyVerification {
    if (typeof params.sign !== 'string' || params.sign_type !== 'RSA2' || !this.signatureVerifies(params)) return { ok: false, reason: 'bad_signature' };
    if (text(params.app_id) !== this.keys.appId) return { ok: false, reason: 'app_id_mismatch' };
    if (this.keys.sellerId && text(params.seller_id) !== this.keys.sellerId) return { ok: false, reason: 'seller_id_mismatch' };
    const outTradeNo = text(params.out_trade_no);
    if (!outTradeNo) return { ok: false, reason: 'missing_out_trade_no' };
    const totalAmount = yuanToFen(params.total_amount);
    if (totalAmount === null || totalAmount <= 0) return { ok: false, reason: 'bad_total_amount' };
    return {
      ok: true,
      tradeStatus: text(params.trade_status),
      notice: { outTradeNo, tradeNo: text(params.trade_no), totalAmount, raw: JSON.stringify(params) },
    };
  }

  /** `alipay.trade.query` by our `out_trade_no`. */
  query(outTradeNo: string): Promise<AlipayAnswer<AlipayTradeQuery>> {
    return this.call('alipay.trade.query', { out_trade_no: outTradeNo });
  }

  /** `alipay.trade.close`: an unpaid trade can no longer be paid. */
  close(outTradeNo: string): Promise<AlipayAnswer<{ tradeNo?: string }>> {
    return this.call('alipay.trade.close', { out_trade_no: outTradeNo });
  }

  /** `alipay.trade.refund` of `amount` fen; `outRequestNo` (our `refund_no`) makes a repeated call refund once. */
  refund(outTradeNo: string, amount: Fen, outRequestNo: string, reason: string): Promise<AlipayAnswer<AlipayTradeRefund>> {
    return this.call('alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: formatYuan(amount), out_request_no: outRequestNo, refund_reason: reason });
  }

  /** `alipay.trade.fastpay.refund.query`: what Alipay holds for one `out_request_no`. */
  refundQuery(outTradeNo: string, outRequestNo: string): Promise<AlipayAnswer<AlipayRefundQuery>> {
    return this.call('alipay.trade.fastpay.refund.query', { out_trade_no: outTradeNo, out_request_no: outRequestNo });
  }

  /**
   * One OpenAPI call through alipay-sdk with the response signature verified against Alipay's public key. It
   * talks to the network, so callers make it outside any database transaction.
   */
  private async call<T>(method: string, bizContent: Record<string, string>): Promise<AlipayAnswer<T>> {
    let data: Record<string, unknown>;
    try {
      // the SDK would stamp the host's local time; Alipay reads Beijing time
      data = (await this.sdk.exec(method, { bizContent, timestamp: alipayTime(new Date()) }, { validateSign: true })) as Record<string, unknown>;
    } catch (error) {
      return { kind: 'no_answer', error: (error as Error).message };
    }
    if (data.code === '10000') return { kind: 'ok', data: data as T };
    if (data.code === '40004') return { kind: 'refused', subCode: text(data.subCode), subMsg: text(data.subMsg) };
    return { kind: 'no_answer', error: `${text(data.code)} ${text(data.subCode)} ${text(data.subMsg ?? data.msg)}`.trim() };
  }

  /**
   * Alipay's notify signature (RSA2 over every field but `sign` and `sign_type`, values as received), checked with
   * the key object parsed once at start: alipay-sdk's check hands OpenSSL the PEM text on every call, and tries
   * twice (with `sign_type`, then without), which made it a third of a notify's CPU.
   */
  private signatureVerifies(params: Record<string, unknown>): boolean {
    try {
      return rsa2Verify(alipaySignContent(params, NOTIFY_UNSIGNED), params.sign as string, this.keys.alipayPublicKey);
    } catch {
      return false; // a malformed signature is simply not a valid one
    }
  }

  /** Where pay URLs lead the buyer's browser (the cashier page's CSP lets its button go there). */
  gatewayOrigin(): string {
    return new URL(this.keys.gateway).origin;
  }

  private publicBaseUrl(): string {
    return this.config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}
