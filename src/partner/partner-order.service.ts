import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { IllegalStateError, NotFoundError, OutOfStockError } from '../common/errors/app-error';
import { fenToYuan } from '../common/money';
import { payDeadline } from '../common/pay-deadline';
import { hexId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { orderNumberCollisionsTotal } from '../metrics/metrics';
import { insertUnderFreshNumber } from '../common/fresh-number';
import { RequestClaim } from '../common/idempotency/request-claim';
import { insertRows, select } from '../database/sql';
import { GiftPack } from '../database/entities/partner/gift-pack.entity';
import { PartnerAddress } from '../database/entities/partner/partner-address.entity';
import { PartnerCoupon } from '../database/entities/partner/partner-coupon.entity';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';
import { PartnerUser } from '../database/entities/partner/partner-user.entity';
import { Payment, PaymentStatus } from '../database/entities/payments/payment.entity';
import { TransactionService } from '../database/transaction.service';
import { AlipayService } from '../payments/alipay/alipay.service';
import { PaymentReconciliation } from '../payments/payment-reconciliation.service';
import { PaymentService } from '../payments/payment.service';
import { WalletService } from '../payments/wallet/wallet.service';
import { GiftListResultDto } from './dto/gift-pack.dto';
import { OrderListResultDto, OrderResultDto, PayResultDto } from './dto/order-info.dto';
import { claimCoupon, closeUnpaidOrder, grantPaidBenefits, takeStock } from './order-effects';
import { toOrderInfo } from './order-info';
import { formatOrderNo } from './order-no';
import { OrderNumberSlots } from './order-number-slots';
import { ORDER_SOURCES_SQL, OrderSourcesRow } from './order-sources';
import { OrderStatus, transition } from './order-status';

export const PayType = { Balance: 1, Alipay: 2 } as const;

export interface PayOrderInput {
  userId: string;
  payType: number;
  giftPosId: string;
  /** `""` or absent: no coupon. */
  couponId?: string;
  addressId: number;
}

/** What an order copies from its buyer, the buyer's address and the gift pack. */
interface OrderSources {
  user: Pick<PartnerUser, 'id' | 'phone' | 'realName' | 'idNo' | 'levelId'>;
  /** The buyer's level already ranks at or above the pack's: paying grants no level (levels only ever go up). */
  holdsPackLevel: boolean;
  address: Pick<PartnerAddress, 'name' | 'phone' | 'province' | 'city' | 'district' | 'detail'> | null;
  pack: Pick<GiftPack, 'id' | 'title' | 'price' | 'levelId' | 'score' | 'stock' | 'onSale'> | null;
}

export interface OrderListQuery {
  orderStatus?: number;
  page: number;
  pageSize: number;
}

const ORDER_TYPE_POS = 1;
const ORDER_NAME_POS = '购买机器';
/** Retries of an order number taken by another instance in the same millisecond. */
const ORDER_NO_ATTEMPTS = 10;
/** How far past a taken order number a retry may land, so that colliding instances drift apart. */
const ORDER_NO_JITTER_MS = 50;

/** The partner app's gift-pack orders (SPEC §4). Every lookup is scoped to the requesting user. */
@Injectable()
export class PartnerOrderService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly wallets: WalletService,
    private readonly payments: PaymentService,
    private readonly alipay: AlipayService,
    private readonly reconciliation: PaymentReconciliation,
    private readonly orderNumbers: OrderNumberSlots,
  ) {}

  /**
   * Creates the order in one transaction. Paid at once (balance, or nothing left to pay): wallet debit,
   * coupon used, stock, level and score, all or nothing. Alipay: the order awaits payment with its coupon
   * reserved and a pending payment, and the answer carries the signed pay URL (signed locally, no call out).
   * The answer is made inside the transaction, so that the request's claim records it with the commit
   * (`RequestClaim`).
   */
  pay(input: PayOrderInput, claim?: RequestClaim): Promise<PayResultDto> {
    return this.tx.run(async (em) => {
      const { order, payment } = await this.createOrder(em, input, new Date());
      return { ali_pay_url: payment ? this.alipay.payUrl(payment) : '', order_info: toOrderInfo(order, this.config.APP_TIMEZONE) };
    }, claim);
  }

  async giftList(userId: string): Promise<GiftListResultDto> {
    await this.requireUser(this.tx.manager, userId);
    const packs = await this.tx.manager.find(GiftPack, { where: { onSale: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    return {
      list: packs.map((p) => ({
        gift_pos_id: p.id,
        gift_title: p.title,
        price: fenToYuan(p.price),
        level_id: p.levelId ?? '',
        score: p.score,
        stock: p.stock ?? -1,
      })),
    };
  }

  async detail(userId: string, orderNo: string): Promise<OrderResultDto> {
    const order = await this.ownOrder(this.tx.manager, userId, orderNo);
    return { order_info: toOrderInfo(order, this.config.APP_TIMEZONE) };
  }

  async list(userId: string, query: OrderListQuery): Promise<OrderListResultDto> {
    await this.requireUser(this.tx.manager, userId);
    const [orders, total] = await this.tx.manager.findAndCount(PartnerOrder, {
      where: { userId, ...(query.orderStatus === undefined ? {} : { orderStatus: query.orderStatus }) },
      order: { createdAt: 'DESC', orderNo: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { list: orders.map((o) => toOrderInfo(o, this.config.APP_TIMEZONE)), total, page: query.page, page_size: query.pageSize };
  }

  /**
   * 0 → -1: the pending payment is closed, the coupon and stock released, once. An Alipay payment is first
   * reconciled with Alipay (SPEC §6): paid there (its notify was lost) → settled, and the cancel is 42204; no usable
   * answer → 503 and nothing closes.
   */
  async cancel(userId: string, orderNo: string, claim?: RequestClaim): Promise<OrderResultDto> {
    const order = await this.ownOrder(this.tx.manager, userId, orderNo);
    if (order.orderStatus === OrderStatus.AwaitingPayment && order.billNo && (await this.reconciliation.beforeClose(order.billNo)) === 'paid') {
      throw new IllegalStateError('订单已支付，不能取消');
    }
    return this.tx.run(async (em) => {
      const found = await this.ownOrder(em, userId, orderNo);
      await closeUnpaidOrder(em, this.payments, found, new Date());
      return { order_info: toOrderInfo(await em.findOneByOrFail(PartnerOrder, { orderNo }), this.config.APP_TIMEZONE) };
    }, claim);
  }

  /**
   * A fresh pay URL for an order still awaiting payment. It reuses the order's one open payment rather
   * than opening another: with a single `out_trade_no` per order Alipay itself refuses to take the money
   * twice, however many pay pages the user opened. Past the pay deadline it is 42204.
   */
  async repay(userId: string, orderNo: string): Promise<PayResultDto> {
    const em = this.tx.manager;
    const order = await this.ownOrder(em, userId, orderNo);
    if (order.orderStatus !== OrderStatus.AwaitingPayment) throw new IllegalStateError();
    if (order.payExpiresAt.getTime() <= Date.now()) throw new IllegalStateError('订单已超时，请重新下单');
    const payment = order.billNo ? await this.payments.findByOutTradeNo(em, order.billNo) : null;
    if (!payment || payment.status !== PaymentStatus.Pending) throw new IllegalStateError();
    return { ali_pay_url: this.alipay.payUrl(payment), order_info: toOrderInfo(order, this.config.APP_TIMEZONE) };
  }

  /** 2 → 3 by the buyer. */
  receive(userId: string, orderNo: string, claim?: RequestClaim): Promise<OrderResultDto> {
    return this.tx.run(async (em) => {
      const found = await this.ownOrder(em, userId, orderNo);
      await transition(em, orderNo, found.orderStatus, OrderStatus.Received, { receivedAt: new Date() });
      return { order_info: toOrderInfo(await em.findOneByOrFail(PartnerOrder, { orderNo }), this.config.APP_TIMEZONE) };
    }, claim);
  }

  /**
   * Reads what the order copies, then writes: the order, the coupon claim, the wallet debit and its ledger row or the
   * pending payment, level and score, the stock. Each conditional update is checked as it runs; a failed one rolls
   * the whole transaction back.
   */
  private async createOrder(em: EntityManager, input: PayOrderInput, now: Date): Promise<{ order: PartnerOrder; payment: Payment | null }> {
    const { user, holdsPackLevel, address, pack } = await this.orderSources(em, input);
    if (!address) throw new NotFoundError('地址不存在');
    if (!pack) throw new NotFoundError('礼包不存在');
    if (!pack.onSale) throw new OutOfStockError('礼包已下架');
    const coupon = input.couponId ? await em.findOneBy(PartnerCoupon, { id: input.couponId, userId: user.id }) : null;
    if (input.couponId && !coupon) throw new NotFoundError('优惠券不存在');

    const deductPrice = coupon ? Math.min(coupon.amount, pack.price) : 0;
    const payAmount = pack.price - deductPrice;
    const paidNow = input.payType === PayType.Balance || payAmount === 0;
    const payExpiresAt = payDeadline(this.config, now);
    const payment = paidNow
      ? null
      : this.payments.newPending({ bizType: 'partner_order', bizNo: '', amount: payAmount, subject: pack.title, expiresAt: payExpiresAt });

    const order = em.create(PartnerOrder, {
      id: hexId(),
      orderNo: '',
      userId: user.id,
      orderType: ORDER_TYPE_POS,
      orderName: ORDER_NAME_POS,
      orderStatus: paidNow ? OrderStatus.Paid : OrderStatus.AwaitingPayment,
      payType: input.payType,
      giftPosId: pack.id,
      giftTitle: pack.title,
      orderPrice: pack.price,
      deductPrice,
      payAmount,
      couponId: coupon?.id ?? '',
      orderScore: pack.score,
      stockTaken: pack.stock !== null,
      grantLevelId: pack.levelId,
      userLevelId: user.levelId ?? '',
      userPhone: user.phone,
      userRealName: user.realName,
      userIdNo: user.idNo,
      receiveName: address.name,
      receivePhone: address.phone,
      receiveAddress: `${address.province}${address.city}${address.district}${address.detail}`,
      billNo: payment?.outTradeNo ?? '',
      thirdOrderNo: '',
      expressName: '',
      expressNumber: '',
      expressNo: '',
      expressAddress: '',
      platformRemark: '',
      createdAt: now,
      payExpiresAt,
      paidAt: paidNow ? now : null,
      shippedAt: null,
      receivedAt: null,
      closedAt: null,
    });

    await this.insertUnderOrderNumber(em, order);
    const orderNo = order.orderNo;
    if (coupon) await claimCoupon(em, coupon, orderNo, pack.price, paidNow ? 'used' : 'reserved', now);
    if (payment) {
      payment.bizNo = orderNo;
      await this.payments.insertPending(em, payment);
      // its number was taken and drawn again: the order names the payment written (never on the hot path)
      if (payment.outTradeNo !== order.billNo) {
        order.billNo = payment.outTradeNo;
        await em.update(PartnerOrder, { orderNo }, { billNo: order.billNo });
      }
    } else {
      // Hot rows last, so their locks are held for the fewest round trips: the buyer's wallet, then a limited pack's stock.
      // A repeat buyer who holds the pack's level already and gets no score needs no write for it.
      if (!holdsPackLevel || order.orderScore > 0) await grantPaidBenefits(em, order);
      if (payAmount > 0) {
        await this.wallets.debit(em, { ownerType: 'partner_user', ownerId: user.id, amount: payAmount, bizType: 'partner_order_pay', bizNo: orderNo, remark: pack.title });
      }
    }
    await takeStock(em, pack);
    return { order, payment };
  }

  /**
   * Inserts the order under the next order number of this instance's clock. A unique violation means another
   * instance took the number in the same millisecond: only the INSERT failed (the transaction goes on), so it is
   * sent again under a number a little later, jittered so that colliding instances drift apart.
   */
  private async insertUnderOrderNumber(em: EntityManager, order: PartnerOrder): Promise<void> {
    const clock = this.orderNumbers.clock;
    let ms = clock.next();
    await insertUnderFreshNumber(
      async (attempt) => {
        if (attempt > 1) ms = clock.bumpPast(ms, randomInt(0, ORDER_NO_JITTER_MS));
        order.orderNo = formatOrderNo(ms, this.config.APP_TIMEZONE);
        await insertRows(em, PartnerOrder, order);
      },
      { attempts: ORDER_NO_ATTEMPTS, onCollision: () => orderNumberCollisionsTotal.inc() },
    );
  }

  /**
   * The buyer, with the address only if it is theirs, and the pack: what the order copies, in one round trip
   * instead of three, in plain SQL (database/sql.ts). 40401 when the user does not exist.
   */
  private async orderSources(em: EntityManager, input: PayOrderInput): Promise<OrderSources> {
    const [row] = await select<OrderSourcesRow>(
      em,
      ORDER_SOURCES_SQL,
      [input.addressId, input.giftPosId, input.userId],
    );
    if (!row) throw new NotFoundError('用户不存在');
    return {
      user: { id: row.id, phone: row.phone, realName: row.real_name, idNo: row.id_no, levelId: row.level_id },
      holdsPackLevel: Number(row.holds_pack_level) === 1,
      address: row.a_id === null ? null : { name: row.a_name, phone: row.a_phone, province: row.a_province, city: row.a_city, district: row.a_district, detail: row.a_detail },
      pack:
        row.g_id === null
          ? null
          : { id: row.g_id, title: row.g_title, price: Number(row.g_price), levelId: row.g_level_id, score: Number(row.g_score), stock: row.g_stock === null ? null : Number(row.g_stock), onSale: Boolean(Number(row.g_on_sale)) },
    };
  }

  private async requireUser(em: EntityManager, userId: string): Promise<PartnerUser> {
    const user = await em.findOneBy(PartnerUser, { id: userId });
    if (!user) throw new NotFoundError('用户不存在');
    return user;
  }

  /** Someone else's order is "not found", never "forbidden": its existence is not revealed. */
  private async ownOrder(em: EntityManager, userId: string, orderNo: string): Promise<PartnerOrder> {
    const order = await em.findOneBy(PartnerOrder, { orderNo, userId });
    if (!order) throw new NotFoundError('订单不存在');
    return order;
  }
}
